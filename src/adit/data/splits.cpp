#include "adit/data/splits.hpp"

#include <algorithm>
#include <cmath>
#include <map>
#include <numeric>

#include "adit/core/error.hpp"
#include "adit/core/text.hpp"
#include "adit/data/random.hpp"

namespace adit::data {

SplitSpec parse_split_spec(const std::string& text) {
    SplitSpec spec;
    const auto colon = text.find(':');
    const std::string kind = text.substr(0, colon);
    if (kind == "none") {
        spec.kind = SplitSpec::Kind::none;
        return spec;
    }
    if (kind == "random") spec.kind = SplitSpec::Kind::random;
    else if (kind == "scaffold") spec.kind = SplitSpec::Kind::scaffold;
    else fail("--split '{}': expected random:TRAIN,VAL,TEST or scaffold:TRAIN,VAL,TEST", text);
    if (colon == std::string::npos) return spec;
    const auto parts = adit::split(text.substr(colon + 1), ',');
    if (parts.size() != 3) fail("--split '{}': give three fractions, e.g. {}:0.8,0.1,0.1", text, kind);
    double sum = 0;
    for (int k = 0; k < 3; ++k) {
        const auto value = parse_double(trim(parts[k]));
        if (!value) fail("--split '{}': '{}' is not a number", text, parts[k]);
        spec.fractions[k] = *value;
        if (spec.fractions[k] < 0 || spec.fractions[k] > 1) fail("--split '{}': fractions must lie in [0, 1]", text);
        sum += spec.fractions[k];
    }
    if (sum > 1 + 1e-9) fail("--split '{}': fractions sum to {} (> 1)", text, sum);
    return spec;
}

std::array<std::int64_t, 3> split_sizes(std::int64_t n, const std::array<double, 3>& f) {
    const double sum = f[0] + f[1] + f[2];
    std::array<std::int64_t, 3> sizes{};
    sizes[0] = std::llround(f[0] * static_cast<double>(n));
    sizes[1] = std::min(n - sizes[0], static_cast<std::int64_t>(std::llround(f[1] * static_cast<double>(n))));
    sizes[2] = std::abs(sum - 1) < 1e-9 ? n - sizes[0] - sizes[1]
                                        : std::min(n - sizes[0] - sizes[1], static_cast<std::int64_t>(std::llround(f[2] * static_cast<double>(n))));
    return sizes;
}

SplitIndices random_split(std::int64_t n, const std::array<double, 3>& fractions, std::uint64_t seed) {
    std::vector<std::int64_t> order(static_cast<std::size_t>(n));
    std::iota(order.begin(), order.end(), 0);
    Rng rng(derive_seed(seed, {0x5e11u}));
    rng.shuffle(order);
    const auto sizes = split_sizes(n, fractions);
    SplitIndices out;
    std::size_t at = 0;
    for (int k = 0; k < 3; ++k) {
        out[k].assign(order.begin() + static_cast<std::ptrdiff_t>(at), order.begin() + static_cast<std::ptrdiff_t>(at + sizes[k]));
        std::sort(out[k].begin(), out[k].end());
        at += static_cast<std::size_t>(sizes[k]);
    }
    return out;
}

SplitIndices scaffold_split(const std::vector<std::string>& scaffolds, const std::array<double, 3>& fractions) {
    const auto n = static_cast<std::int64_t>(scaffolds.size());
    std::map<std::string, std::vector<std::int64_t>> by_key;
    for (std::int64_t i = 0; i < n; ++i) by_key[scaffolds[i]].push_back(i);
    std::vector<std::vector<std::int64_t>> groups;
    groups.reserve(by_key.size());
    for (auto& [key, members] : by_key) groups.push_back(std::move(members));
    std::sort(groups.begin(), groups.end(), [](const auto& a, const auto& b) {
        if (a.size() != b.size()) return a.size() > b.size();
        return a.front() < b.front();
    });
    // Cut-offs as DeepChem: train_cutoff = frac_train * n, valid_cutoff = (frac_train + frac_valid) * n.
    const double train_cutoff = fractions[0] * static_cast<double>(n);
    const double val_cutoff = (fractions[0] + fractions[1]) * static_cast<double>(n);
    const bool keep_test = std::abs(fractions[0] + fractions[1] + fractions[2] - 1) < 1e-9;
    const double test_cutoff = (fractions[0] + fractions[1] + fractions[2]) * static_cast<double>(n);
    SplitIndices out;
    for (const auto& g : groups) {
        const auto size = static_cast<double>(g.size());
        const auto train = static_cast<double>(out[0].size());
        const auto val = static_cast<double>(out[1].size());
        const auto test = static_cast<double>(out[2].size());
        int target = 0;
        if (train + size > train_cutoff) target = (train + val + size > val_cutoff) ? 2 : 1;
        if (target == 2 && !keep_test && train + val + test + size > test_cutoff) continue;  // beyond the requested total
        out[target].insert(out[target].end(), g.begin(), g.end());
    }
    for (auto& part : out) std::sort(part.begin(), part.end());
    return out;
}

}  // namespace adit::data
