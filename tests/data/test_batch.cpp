// LibTorch (through glog) defines CHECK too: include it first so that Catch2's CHECK wins.
#include "adit/data/batch.hpp"

#include <catch2/catch.hpp>

namespace {

adit::Structure water() {
    adit::Structure s;
    s.id = "water";
    s.numbers = {8, 1, 1};
    s.positions = {{0.0, 0.0, 0.1173}, {0.0, 0.7572, -0.4692}, {0.0, -0.7572, -0.4692}};
    return s;
}

adit::Structure rocksalt() {
    adit::Structure s;
    s.id = "NaCl";
    s.numbers = {11, 17};
    s.lattice = adit::lattice_from_parameters({3.99, 3.99, 3.99, 60, 60, 60});
    s.set_fractional_positions({{0, 0, 0}, {0.5, 0.5, 0.5}});
    return s;
}

}  // namespace

TEST_CASE("collate pads, masks and labels systems", "[batch]") {
    const adit::data::Batch b = adit::data::collate({water(), rocksalt()}, {}, {7, 9});
    CHECK(b.size() == 2);
    CHECK(b.atomic_numbers.sizes() == torch::IntArrayRef({2, 3}));
    CHECK(b.mask.sum().item<int64_t>() == 5);
    CHECK(b.system[0].item<int64_t>() == adit::data::kMolecule);
    CHECK(b.system[1].item<int64_t>() == adit::data::kCrystal);
    CHECK(b.atomic_numbers[1][2].item<int64_t>() == 0);
    // Molecules are centred; crystals carry lattice parameters and fractional coordinates.
    CHECK(b.positions[0].sum(0).abs().max().item<float>() < 1e-5);
    CHECK(b.lattice[1][3].item<float>() == Approx(60.0).epsilon(1e-6));
    CHECK(b.fractional[1][1][0].item<float>() == Approx(0.5).epsilon(1e-6));
    CHECK(b.index == std::vector<int64_t>{7, 9});
}

TEST_CASE("uncollate inverts collate", "[batch]") {
    const auto back = adit::data::uncollate(adit::data::collate({water(), rocksalt()}));
    REQUIRE(back.size() == 2);
    CHECK(back[0].numbers == std::vector<int>{8, 1, 1});
    CHECK(!back[0].is_periodic());
    REQUIRE(back[1].is_periodic());
    CHECK(back[1].lattice->volume() == Approx(rocksalt().lattice->volume()).epsilon(1e-5));
    const auto f = back[1].fractional_positions();
    CHECK((f[1] - Eigen::Vector3d(0.5, 0.5, 0.5)).norm() < 1e-5);
    // distances in the water molecule survive the centring
    CHECK((back[0].positions[1] - back[0].positions[0]).norm() ==
          Approx((water().positions[1] - water().positions[0]).norm()).epsilon(1e-5));
}
