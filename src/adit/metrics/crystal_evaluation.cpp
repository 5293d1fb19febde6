#include "adit/metrics/crystal_evaluation.hpp"

#include <map>
#include <mutex>
#include <set>

#include "adit/core/parallel.hpp"
#include "adit/metrics/crystal_validity.hpp"
#include "adit/metrics/distribution.hpp"

namespace adit::metrics {
namespace {

std::string bucket_key(const ReducedStructure& r) { return r.reduced_formula + "#" + std::to_string(r.size()); }

}  // namespace

std::vector<std::size_t> group_structures(const std::vector<ReducedStructure>& reduced, const MatcherOptions& options,
                                          int threads) {
    std::map<std::string, std::vector<std::size_t>> buckets;
    for (std::size_t i = 0; i < reduced.size(); ++i) buckets[bucket_key(reduced[i])].push_back(i);
    std::vector<const std::vector<std::size_t>*> list;
    for (const auto& [k, v] : buckets) list.push_back(&v);
    std::vector<std::size_t> rep(reduced.size());
    parallel_for(list.size(), threads, [&](std::size_t b) {
        std::vector<std::size_t> reps;
        for (std::size_t i : *list[b]) {
            std::size_t found = i;
            for (std::size_t r : reps)
                if (match_structures(reduced[r], reduced[i], options, false).match) {
                    found = r;
                    break;
                }
            if (found == i) reps.push_back(i);
            rep[i] = found;
        }
    });
    return rep;
}

CrystalEvaluation evaluate_crystals(const std::vector<Structure>& crystals, const CrystalEvalOptions& options,
                                    const ProgressCallback& progress) {
    CrystalEvaluation out;
    const std::size_t n = crystals.size();
    out.records.resize(n);
    std::vector<std::optional<ReducedStructure>> reduced(n);
    std::mutex progress_mutex;
    std::atomic<std::size_t> done{0};
    auto report = [&](std::size_t k, std::size_t total, const char* what) {
        if (progress && (k % 1000 == 0 || k == total)) {
            std::lock_guard<std::mutex> lock(progress_mutex);
            progress(k, total, what);
        }
    };
    parallel_for(n, options.threads, [&](std::size_t i) {
        CrystalRecord& r = out.records[i];
        const Structure& s = crystals[i];
        try {
            std::set<int> elements(s.numbers.begin(), s.numbers.end());
            r.num_elements = static_cast<int>(elements.size());
            StructuralValidity sv = structural_validity(s);
            r.struct_valid = sv.valid;
            r.comp_valid = smact_validity(s.numbers);
            r.valid = r.struct_valid && r.comp_valid;
            if (!sv.valid) r.reason = sv.reason;
            else if (!r.comp_valid) r.reason = "not charge-balanced under SMACT's oxidation states";
            if (s.lattice && !s.lattice->is_singular()) r.density = density(s);
            if (options.space_group && r.struct_valid) {
                try {
                    r.space_group = options.space_group(s);
                } catch (const std::exception&) {
                    r.space_group = 0;
                }
            }
            if (r.valid) reduced[i] = reduce_for_matching(s, options.matcher);
        } catch (const std::exception& e) {
            r.valid = false;
            if (r.reason.empty()) r.reason = e.what();
        }
        report(++done, n, "crystals checked");
    });

    CrystalSummary& m = out.summary;
    m.count = n;
    std::vector<std::size_t> valid_index;
    std::vector<ReducedStructure> valid_reduced;
    std::map<int, std::size_t> sg;
    for (std::size_t i = 0; i < n; ++i) {
        const CrystalRecord& r = out.records[i];
        m.struct_valid += r.struct_valid;
        m.comp_valid += r.comp_valid;
        if (r.space_group > 0) ++sg[r.space_group];
        if (r.valid && reduced[i]) {
            ++m.valid;
            valid_index.push_back(i);
            valid_reduced.push_back(*reduced[i]);
        }
    }
    m.space_groups.assign(sg.begin(), sg.end());

    // Uniqueness among valid structures.
    const std::vector<std::size_t> rep = group_structures(valid_reduced, options.matcher, options.threads);
    std::vector<std::size_t> reps;
    for (std::size_t k = 0; k < valid_reduced.size(); ++k)
        if (rep[k] == k) {
            reps.push_back(k);
            out.records[valid_index[k]].unique = true;
        }
    m.unique = reps.size();

    if (options.reference) {
        const std::vector<Structure>& ref = *options.reference;
        m.reference_count = ref.size();
        // Reduce the reference once, in parallel; bucket it.
        std::vector<std::optional<ReducedStructure>> ref_reduced(ref.size());
        std::atomic<std::size_t> rdone{0};
        parallel_for(ref.size(), options.threads, [&](std::size_t i) {
            try {
                ref_reduced[i] = reduce_for_matching(ref[i], options.matcher);
            } catch (const std::exception&) {
            }
            report(++rdone, ref.size(), "reference crystals reduced");
        });
        std::map<std::string, std::vector<std::size_t>> buckets;
        for (std::size_t i = 0; i < ref.size(); ++i)
            if (ref_reduced[i]) buckets[bucket_key(*ref_reduced[i])].push_back(i);
        m.novelty_computed = true;
        std::vector<char> novel(reps.size(), 1);
        parallel_for(reps.size(), options.threads, [&](std::size_t k) {
            const ReducedStructure& g = valid_reduced[reps[k]];
            auto it = buckets.find(bucket_key(g));
            if (it == buckets.end()) return;
            for (std::size_t j : it->second)
                if (match_structures(g, *ref_reduced[j], options.matcher, false).match) {
                    novel[k] = 0;
                    return;
                }
        });
        for (std::size_t k = 0; k < reps.size(); ++k) {
            out.records[valid_index[reps[k]]].novel = novel[k] != 0;
            m.novel += novel[k];
        }
        // Distribution metrics: valid samples against the reference (CDVAE compares with the
        // ground-truth test set).
        std::vector<double> d_gen, d_ref, e_gen, e_ref;
        for (std::size_t i : valid_index) {
            d_gen.push_back(out.records[i].density);
            e_gen.push_back(out.records[i].num_elements);
        }
        for (const Structure& s : ref) {
            if (!s.lattice || s.lattice->is_singular()) continue;
            d_ref.push_back(density(s));
            e_ref.push_back(static_cast<double>(std::set<int>(s.numbers.begin(), s.numbers.end()).size()));
        }
        if (!d_gen.empty() && !d_ref.empty()) {
            m.wdist_density = wasserstein_1d(d_gen, d_ref);
            m.wdist_num_elements = wasserstein_1d(e_gen, e_ref);
        }
        std::vector<const Structure*> gen_valid, ref_all;
        for (std::size_t i : valid_index) gen_valid.push_back(&crystals[i]);
        for (const Structure& s : ref) ref_all.push_back(&s);
        CoverageOptions co = options.coverage;
        co.threads = options.threads;
        if (std::optional<Coverage> c = coverage(gen_valid, ref_all, m.count, co)) {
            m.coverage_recall = c->recall;
            m.coverage_precision = c->precision;
        }
    }
    return out;
}

}  // namespace adit::metrics
