// Tests of src/adit/models/conformer.cpp: batching, the invariant loss, MASA, a short overfit,
// and checkpoint round trip.
#include <catch2/catch.hpp>

#include <cstdio>

#include "adit/core/error.hpp"
#include "adit/interop/molecule_sdf.hpp"
#include "adit/models/conformer.hpp"
#include "adit/models/conformer_predict.hpp"

using namespace adit;
using namespace adit::models;

namespace {

ConformerOptions tiny(const std::string& attention = "standard") {
    ConformerOptions o;
    o.d_model = 32;
    o.num_heads = 4;
    o.num_layers = 3;
    o.ffn_multiplier = 2;
    o.attention = attention;
    o.masa_atoms = 2;
    return o;
}

std::int64_t parameter_count(torch::nn::Module& m) {
    std::int64_t n = 0;
    for (const auto& p : m.parameters()) n += p.numel();
    return n;
}

}  // namespace

TEST_CASE("conformer_batch pads and encodes hops", "[conformer]") {
    const auto a = interop::smiles_graph("CCO"), b = interop::smiles_graph("C");
    const auto batch = conformer_batch({&a, &b}, 2);
    CHECK(batch.features.sizes() == torch::IntArrayRef({2, 9, 8}));
    CHECK(batch.mask[1].sum().item<int>() == 5);
    CHECK(batch.hops[0][0][1].item<int>() == 1);
    CHECK(batch.hops[0][0][8].item<int>() == 2);  // H on O is 3 bonds away, clamped to max_hops
    CHECK(batch.hops[1][0][7].item<int>() == 3);  // padding: max_hops + 1
    CHECK(batch.features[0][2][0].item<int>() == 8);
}

TEST_CASE("distance-matrix loss: zero on the target, invariant to rigid motion, padding ignored", "[conformer]") {
    torch::manual_seed(1);
    auto x = torch::randn({2, 5, 3});
    auto mask = torch::ones({2, 5}, torch::kBool);
    mask[1][4] = false;
    const auto q = torch::linalg_qr(torch::randn({3, 3}));
    auto rotated = torch::matmul(x, std::get<0>(q)) + torch::tensor({1.0f, -2.0f, 3.0f});
    CHECK(distance_matrix_loss(rotated, x, mask).item<double>() < 1e-3);
    auto moved = x.clone();
    moved[1][4] += 10.0;  // a padded atom
    CHECK(distance_matrix_loss(moved, x, mask).item<double>() < 1e-3);
    moved[0][0] += 1.0;
    CHECK(distance_matrix_loss(moved, x, mask).item<double>() > 0.05);
}

TEST_CASE("local distance loss: only pairs 1 or 2 bonds apart count", "[conformer]") {
    // A chain 0-1-2-3 (atom 3 is 3 bonds from atom 0) and one padding atom (hop 9).
    auto hops = torch::tensor({0, 1, 2, 3, 9, 1, 0, 1, 2, 9, 2, 1, 0, 1, 9, 3, 2, 1, 0, 9, 9, 9, 9, 9, 9},
                              torch::kInt64).reshape({1, 5, 5});
    auto x = torch::tensor({0.0f, 0.0f, 0.0f, 1.5f, 0.0f, 0.0f, 2.2f, 1.2f, 0.0f, 3.5f, 1.5f, 0.0f, 0.0f, 0.0f, 0.0f}).reshape({1, 5, 3});
    CHECK(local_distance_loss(x, x, hops).item<double>() < 1e-4);
    auto far = x.clone();
    far[0][3][2] += 2.0;  // atom 3 leaves the plane: its bond 2-3 and angle pair 1-3 change
    auto padded = x.clone();
    padded[0][4][0] += 5.0;  // the padding atom: never counts
    CHECK(local_distance_loss(padded, x, hops).item<double>() < 1e-4);
    // 5 local pairs (bonds 0-1, 1-2, 2-3; angles 0-2, 1-3). Moving C0 changes d01, d02 and the
    // hop-3 distance d03, which must not count.
    auto stretched = x.clone();
    stretched[0][0][0] -= 0.5;  // atom 0 moves away from atom 1 along their axis: d01 grows by 0.5 A
    const double expected = (0.5 + ((stretched[0][0] - stretched[0][2]).norm() - (x[0][0] - x[0][2]).norm()).abs().item<double>()) / 5.0;
    CHECK(local_distance_loss(stretched, x, hops).item<double>() == Approx(expected).epsilon(1e-4));
    CHECK(local_distance_loss(far, x, hops).item<double>() > 0.1);
}

TEST_CASE("the model predicts centred coordinates; MASA has fewer attention weights", "[conformer]") {
    torch::manual_seed(0);
    ConformerModel standard(tiny()), masa(tiny("masa"));
    const auto a = interop::smiles_graph("CC(=O)O"), b = interop::smiles_graph("C");
    const auto batch = conformer_batch({&a, &b}, 8);
    for (ConformerModel* m : {&standard, &masa}) {
        auto y = (*m)->forward(batch);
        CHECK(y.sizes() == torch::IntArrayRef({2, 8, 3}));
        CHECK(y[0].sum(0).abs().max().item<double>() < 1e-4);
        CHECK(y[1].slice(0, 5).abs().max().item<double>() == 0.0);
        // methyl hydrogens must not collapse onto one point
        CHECK((y[0][4] - y[0][5]).norm().item<double>() > 1e-4);
    }
    CHECK(parameter_count(*masa) < parameter_count(*standard));
    CHECK_THROWS_AS(ConformerModel([] { auto o = tiny("masa"); o.masa_atoms = 9; return o; }()), adit::Error);
}

TEST_CASE("training fits DFT geometries and the checkpoint round-trips", "[conformer]") {
    const auto records = interop::read_molecule_sdf(std::string(ADIT_TEST_DATA) + "/conformer/qm9_dft5.sdf");
    const auto examples = conformer_examples(records);
    REQUIRE(examples.size() == 5);
    ConformerTrainOptions t;
    t.batch_size = 4;
    t.epochs = 60;
    t.learning_rate = 3e-3;
    t.valid_fraction = 0.2;
    t.threads = 1;
    const std::string path = "test_conformer_model.pt";
    const auto report = train_conformer(examples, tiny(), t, path, "{}");
    CHECK(report.train_molecules == 4);
    CHECK(report.valid_molecules == 1);

    // The trained model fits its training molecules far better than the untrained one
    ConformerModel fresh(tiny());
    auto trained = load_conformer_model(path);
    std::vector<const interop::MolecularGraph*> graphs;
    std::vector<const std::vector<Eigen::Vector3d>*> targets;
    for (const auto& e : examples) {
        graphs.push_back(&e.graph);
        targets.push_back(&e.positions);
    }
    const auto batch = conformer_batch(graphs, 8, targets);
    torch::NoGradGuard no_grad;
    fresh->eval();
    const double before = distance_matrix_loss(fresh->forward(batch), batch.positions, batch.mask).item<double>();
    const double after = distance_matrix_loss(trained->forward(batch), batch.positions, batch.mask).item<double>();
    CHECK(after < 0.5 * before);

    ConformerPredictor predictor(path, "cpu", 1);
    const auto coords = predictor.predict(graphs);
    REQUIRE(coords.size() == 5);
    const auto direct = trained->forward(batch);
    for (std::size_t i = 0; i < coords[2].size(); ++i)
        for (int c = 0; c < 3; ++c) CHECK(coords[2][i][c] == Approx(direct[2][i][c].item<double>()).margin(1e-5));
    std::remove(path.c_str());
    CHECK_THROWS_WITH(load_conformer_model(std::string(ADIT_TEST_DATA) + "/conformer/qm9_dft5.sdf"),
                      Catch::Contains("not a LibTorch archive"));
}
