// The sampler's time grid and the removal of degenerate samples (sample/sampler.hpp).
#include <catch2/catch.hpp>

#include <cmath>
#include <limits>

#include "adit/sample/sampler.hpp"

using namespace adit;

TEST_CASE("sampler time grid: starts at t_start, ends at exactly 1, power 1 uniform, power 2 denser near the data",
          "[sample]") {
    sample::SamplerOptions o;
    o.steps = 50;
    o.t_start = 0.01;
    o.time_power = 1.0;
    for (std::int64_t i = 0; i <= o.steps; ++i)
        REQUIRE(sample::time_at(o, i) == Approx(0.01 + 0.99 * double(i) / 50.0).margin(1e-12));

    o.time_power = 2.0;
    REQUIRE(sample::time_at(o, 0) == Approx(0.01));
    REQUIRE(sample::time_at(o, o.steps) == 1.0);
    double previous_dt = std::numeric_limits<double>::infinity();
    for (std::int64_t i = 0; i < o.steps; ++i) {
        const double dt = sample::time_at(o, i + 1) - sample::time_at(o, i);
        REQUIRE(dt > 0);
        REQUIRE(dt < previous_dt);  // every step smaller than the one before: densest at t = 1
        previous_dt = dt;
    }
    // The last of 50 steps is 1/50 of the uniform one at power 2 (0.99 / 50^2 against 0.99 / 50).
    REQUIRE(previous_dt == Approx(0.99 / 2500.0));
    // The default grid is denser still near the data: 32 steps at power 2.5.
    sample::SamplerOptions defaults;
    REQUIRE(defaults.steps == 32);
    REQUIRE(defaults.time_power == 2.5);
}

TEST_CASE("Refinement passes: molecules get 3 by default, crystals none, an explicit count is kept", "[sample]") {
    sample::SamplerOptions o;
    REQUIRE(o.refine == -1);
    REQUIRE(sample::refine_passes(o, "molecule") == 3);
    REQUIRE(sample::refine_passes(o, "crystal") == 0);
    o.refine = 5;
    REQUIRE(sample::refine_passes(o, "crystal") == 5);
    o.refine = 0;
    REQUIRE(sample::refine_passes(o, "molecule") == 0);
}

TEST_CASE("remove_degenerate drops samples no file can hold and names them, keeping the order of the rest",
          "[sample]") {
    auto crystal = [](const std::string& id, const Eigen::Matrix3d& cell) {
        Structure s;
        s.id = id;
        s.numbers = {11, 17};
        s.positions = {Eigen::Vector3d(0, 0, 0), Eigen::Vector3d(1.4, 1.4, 1.4)};
        s.lattice = Lattice(cell);
        return s;
    };
    Eigen::Matrix3d flat = Eigen::Matrix3d::Identity() * 2.8;
    flat.row(2) = flat.row(0) + flat.row(1);  // coplanar vectors: volume 0
    Structure molecule;
    molecule.id = "mol-nan";
    molecule.numbers = {6, 8};
    molecule.positions = {Eigen::Vector3d(0, 0, 0), Eigen::Vector3d(std::nan(""), 0, 0)};
    Structure water;
    water.id = "water";
    water.numbers = {8, 1, 1};
    water.positions = {Eigen::Vector3d(0, 0, 0), Eigen::Vector3d(0.96, 0, 0), Eigen::Vector3d(-0.24, 0.93, 0)};

    std::vector<Structure> samples = {crystal("nacl", Eigen::Matrix3d::Identity() * 2.8), crystal("flat", flat), molecule, water};
    const auto removed = sample::remove_degenerate(samples);
    REQUIRE(removed == std::vector<std::string>{"flat", "mol-nan"});
    REQUIRE(samples.size() == 2);
    REQUIRE(samples[0].id == "nacl");
    REQUIRE(samples[1].id == "water");
    for (const auto& s : samples) REQUIRE_NOTHROW(s.validate());
}
