// Tests src/adit/interop/conformer_embedding.cpp (ETKDGv3 + MMFF94 proxies) on a handful of SMILES.
#include <catch2/catch.hpp>

#include <cmath>

#include "adit/core/error.hpp"
#include "adit/interop/conformer_embedding.hpp"

namespace {
double distance(const adit::Structure& s, int i, int j) { return (s.positions[i] - s.positions[j]).norm(); }
}  // namespace

TEST_CASE("ETKDG+MMFF gives explicit-hydrogen molecules with sane bond lengths", "[embedding]") {
    adit::EmbedOutcome outcome;
    const adit::Structure ethanol = adit::embed_smiles("OCC", 42, {}, &outcome);
    CHECK(outcome.ok);
    CHECK(outcome.geometry == "etkdg-mmff");
    CHECK(outcome.mmff_converged);
    CHECK(outcome.canonical_smiles == "CCO");
    REQUIRE(ethanol.size() == 9);  // C2H6O
    CHECK(ethanol.numbers[0] == 8);
    CHECK(ethanol.bonds.size() == 8);
    for (const adit::Bond& b : ethanol.bonds) {
        const double d = distance(ethanol, b.i, b.j);
        const bool has_h = ethanol.numbers[b.i] == 1 || ethanol.numbers[b.j] == 1;
        if (has_h) CHECK((d > 0.94 && d < 1.12));       // O-H 0.97, C-H 1.09 Å
        else CHECK((d > 1.38 && d < 1.56));             // C-O 1.42, C-C 1.51 Å
    }
    // same seed, same coordinates
    const adit::Structure again = adit::embed_smiles("OCC", 42);
    for (std::size_t i = 0; i < again.size(); ++i) CHECK((again.positions[i] - ethanol.positions[i]).norm() < 1e-9);
    CHECK_THROWS_AS(adit::embed_smiles("C1CC", 1), adit::Error);
}

TEST_CASE("batch embedding counts failures and does not depend on the thread count", "[embedding]") {
    const std::vector<std::string> smiles = {"C", "c1ccccc1", "C#N", "O=C1CC2(CC2)C1", "[NH3+]CC([O-])=O", "C1CC", "not smiles"};
    const std::vector<std::size_t> atoms = {5, 12, 3, 15, 10};
    adit::EmbedOptions one;
    one.threads = 1;
    one.seed = 5;
    adit::EmbedOptions two = one;
    two.threads = 2;
    std::size_t reports = 0;
    const auto a = adit::embed_smiles_batch(smiles, {}, one);
    const auto b = adit::embed_smiles_batch(smiles, {"a", "b", "c", "d", "e", "f", "g"}, two,
                                            [&](std::size_t, std::size_t, std::string_view) { ++reports; });
    CHECK(reports >= 1);
    CHECK(a.failed == 2);
    CHECK(b.failed == 2);
    CHECK(!a.outcomes[5].ok);
    CHECK(!a.outcomes[5].error.empty());
    CHECK(a.structures[6].size() == 0);
    for (std::size_t i = 0; i < atoms.size(); ++i) {
        CHECK(a.outcomes[i].ok);
        REQUIRE(a.structures[i].size() == atoms[i]);
        for (std::size_t k = 0; k < atoms[i]; ++k)
            CHECK((a.structures[i].positions[k] - b.structures[i].positions[k]).norm() < 1e-9);
    }
    CHECK(b.structures[1].id == "b");
    // the zwitterion keeps its formal charges
    int total_charge = 0;
    for (std::size_t k = 0; k < a.structures[4].size(); ++k) total_charge += std::abs(a.structures[4].charge(k));
    CHECK(total_charge == 2);
}
