// LibTorch (through glog) defines CHECK too: include it first so that Catch2's CHECK wins.
#include "adit/data/loader.hpp"

#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <map>
#include <set>

#include "adit/core/error.hpp"
#include "adit/data/dataset.hpp"
#include "adit/data/loader.hpp"

using namespace adit::data;

namespace {

// n molecules of 3..8 atoms with distinct, recognisable coordinates.
std::shared_ptr<const Dataset> molecules(int n) {
    adit::PreparedData d;
    for (int m = 0; m < n; ++m) {
        adit::Structure s;
        s.id = "mol" + std::to_string(m);
        const int atoms = 3 + m % 6;
        for (int a = 0; a < atoms; ++a) {
            s.numbers.push_back(a == 0 ? 8 : (a % 2 ? 6 : 1));
            s.positions.emplace_back(0.3 * m + 1.1 * a, 0.7 * a - 0.2 * m, 0.05 * a * a);
        }
        d.append(s, "", "dft");
    }
    d.split(adit::Split::train).resize(static_cast<std::size_t>(n));
    for (int i = 0; i < n; ++i) d.split(adit::Split::train)[static_cast<std::size_t>(i)] = i;
    return std::make_shared<const Dataset>(std::move(d), "molecules");
}

std::shared_ptr<const Dataset> crystals(int n) {
    adit::PreparedData d;
    for (int c = 0; c < n; ++c) {
        adit::Structure s;
        s.id = "mp-" + std::to_string(c);
        s.numbers = {11, 17, 11};
        s.lattice = adit::lattice_from_parameters({4.0 + 0.1 * c, 4.2, 5.0, 80, 95, 110});
        s.set_fractional_positions({{0.1, 0.2, 0.3}, {0.5, 0.5, 1.25}, {-0.1, 0.9, 0.0}});
        d.append(s, "", "dft");
    }
    for (int i = 0; i < n; ++i) d.split(adit::Split::train).push_back(i);
    return std::make_shared<const Dataset>(std::move(d), "crystals");
}

std::vector<adit::Structure> rebuilt(const Dataset& ds, const std::vector<std::int64_t>& idx) {
    std::vector<adit::Structure> out;
    for (std::int64_t i : idx) out.push_back(ds.structure(i));
    return out;
}

void check_equal(const Batch& a, const Batch& b) {
    REQUIRE(a.atomic_numbers.sizes() == b.atomic_numbers.sizes());
    CHECK(torch::equal(a.atomic_numbers, b.atomic_numbers));
    CHECK(torch::equal(a.mask, b.mask));
    CHECK(torch::equal(a.system, b.system));
    CHECK(torch::equal(a.num_atoms, b.num_atoms));
    CHECK((a.positions - b.positions).abs().max().item<float>() < 1e-5);
    CHECK((a.fractional - b.fractional).abs().max().item<float>() < 1e-5);
    CHECK((a.lattice - b.lattice).abs().max().item<float>() < 1e-4);
    CHECK(a.index == b.index);
}

}  // namespace

TEST_CASE("collate_items gives what collate gives on the rebuilt structures", "[loader]") {
    auto mol = molecules(7);
    auto cry = crystals(3);
    std::vector<BatchItem> items;
    items.push_back({mol.get(), 5});
    items.push_back({cry.get(), 2});
    items.push_back({mol.get(), 0});
    const Batch fast = collate_items(items);
    std::vector<adit::Structure> slow = {mol->structure(5), cry->structure(2), mol->structure(0)};
    check_equal(fast, collate(slow, {}, {5, 2, 0}));
    // crystal fractional coordinates are wrapped into [0, 1)
    CHECK(fast.fractional[1][1][2].item<float>() == Approx(0.25).margin(1e-5));
}

TEST_CASE("random rotations keep every interatomic distance", "[loader]") {
    double r[9];
    random_rotation(0.3, 0.7, 0.9, r);
    Eigen::Matrix3d R;
    for (int i = 0; i < 9; ++i) R(i / 3, i % 3) = r[i];
    CHECK((R * R.transpose() - Eigen::Matrix3d::Identity()).norm() < 1e-12);
    CHECK(R.determinant() == Approx(1.0));

    auto mol = molecules(12);
    LoaderOptions o;
    o.batch_size = 4;
    o.random_rotation = true;
    Loader loader({{mol, mol->all_indices()}}, o);
    const Batch b = loader.next();
    const Batch plain = collate(rebuilt(*mol, b.index));
    CHECK((b.positions - plain.positions).abs().max().item<float>() > 1e-2);  // actually rotated
    for (std::int64_t k = 0; k < b.size(); ++k) {
        const auto n = b.num_atoms[k].item<std::int64_t>();
        auto p = b.positions[k].slice(0, 0, n), q = plain.positions[k].slice(0, 0, n);
        auto dp = torch::cdist(p, p), dq = torch::cdist(q, q);
        CHECK((dp - dq).abs().max().item<float>() < 1e-4);
    }
}

TEST_CASE("one source: every structure once per epoch, seeded order", "[loader]") {
    auto mol = molecules(10);
    LoaderOptions o;
    o.batch_size = 4;
    o.seed = 7;
    Loader loader({{mol, mol->all_indices()}}, o);
    CHECK(loader.batches_per_epoch() == 3);
    std::vector<std::int64_t> seen;
    for (int b = 0; b < 3; ++b) {
        const Batch batch = loader.next();
        CHECK(batch.size() == (b < 2 ? 4 : 2));
        seen.insert(seen.end(), batch.index.begin(), batch.index.end());
    }
    CHECK(loader.position() == LoaderPosition{1, 0});
    std::vector<std::int64_t> sorted = seen;
    std::sort(sorted.begin(), sorted.end());
    CHECK(sorted == mol->all_indices());
    CHECK(seen != mol->all_indices());  // shuffled
    // the next epoch is another permutation
    std::vector<std::int64_t> next_epoch;
    for (int b = 0; b < 3; ++b) {
        const Batch batch = loader.next();
        next_epoch.insert(next_epoch.end(), batch.index.begin(), batch.index.end());
    }
    CHECK(next_epoch != seen);
    // drop_last and no shuffle
    o.drop_last = true;
    o.shuffle = false;
    Loader ordered({{mol, mol->all_indices()}}, o);
    CHECK(ordered.batches_per_epoch() == 2);
    CHECK(ordered.next().index == std::vector<std::int64_t>{0, 1, 2, 3});
}

TEST_CASE("resuming from a saved position gives the same batches, with or without workers", "[loader]") {
    auto mol = molecules(23);
    LoaderOptions o;
    o.batch_size = 5;
    o.seed = 11;
    o.random_rotation = true;
    Loader reference({{mol, mol->all_indices()}}, o);
    std::vector<Batch> stream;
    for (int i = 0; i < 12; ++i) stream.push_back(reference.next());  // crosses two epoch ends

    o.workers = 2;
    Loader threaded({{mol, mol->all_indices()}}, o);
    for (int i = 0; i < 4; ++i) check_equal(threaded.next(), stream[static_cast<std::size_t>(i)]);
    const LoaderPosition saved = threaded.position();
    CHECK(saved == LoaderPosition{0, 4});

    Loader resumed({{mol, mol->all_indices()}}, o);
    resumed.seek(saved);
    for (std::size_t i = 4; i < 12; ++i) check_equal(resumed.next(), stream[i]);
    // seeking back in a running loader also works
    threaded.seek({1, 1});
    check_equal(threaded.next(), stream[6]);
    CHECK_THROWS_AS(threaded.seek({0, 99}), adit::Error);
}

TEST_CASE("mixed molecules and crystals follow the sampling weights", "[loader]") {
    auto mol = molecules(50);
    auto cry = crystals(10);
    LoaderOptions o;
    o.batch_size = 16;
    o.seed = 3;
    o.epoch_size = 4000;
    Loader loader({{mol, mol->all_indices(), 3.0}, {cry, cry->all_indices(), 1.0}}, o);
    std::int64_t crystals_seen = 0, total = 0;
    std::map<std::int64_t, int> crystal_counts;
    for (std::int64_t b = 0; b < loader.batches_per_epoch(); ++b) {
        const Batch batch = loader.next();
        for (std::int64_t k = 0; k < batch.size(); ++k) {
            ++total;
            if (batch.system[k].item<std::int64_t>() == kCrystal) {
                ++crystals_seen;
                ++crystal_counts[batch.index[static_cast<std::size_t>(k)]];
                CHECK(batch.num_atoms[k].item<std::int64_t>() == 3);
            }
        }
    }
    CHECK(total == 4000);
    // weight 1 of 4: expect 1000 crystals, sd ~27
    CHECK(std::abs(crystals_seen - 1000) < 120);
    // the small source is cycled through whole permutations: every crystal about equally often
    CHECK(crystal_counts.size() == 10);
    for (const auto& [index, count] : crystal_counts) CHECK(std::abs(count - crystals_seen / 10) <= 1);
}

TEST_CASE("loader refuses sources it cannot draw from", "[loader]") {
    auto mol = molecules(3);
    CHECK_THROWS_AS(Loader({{mol, {}}}, {}), adit::Error);
    CHECK_THROWS_AS(Loader({{mol, {0, 7}}}, {}), adit::Error);
    CHECK_THROWS_AS(Loader({{mol, {0}, 0.0}}, {}), adit::Error);
    LoaderOptions o;
    o.batch_size = 0;
    CHECK_THROWS_AS(Loader({{mol, {0}}}, o), adit::Error);
}
