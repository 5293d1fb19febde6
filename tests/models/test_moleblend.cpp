// MoleBLEND model, blending and pretraining (src/adit/models/moleblend.cpp,
// src/adit/train/moleblend_trainer.cpp) on 300 real QM9 DFT molecules
// (tests/data/moleblend/qm9_dft_300.extxyz.gz, see tests/data/README.md).
#include <catch2/catch.hpp>
#include <toml++/toml.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <map>
#include <memory>
#include <random>
#include <sstream>

#include "adit/interop/scaffold.hpp"
#include "adit/interop/smiles_graph.hpp"
#include "adit/interop/structure_files.hpp"
#include "adit/models/moleblend.hpp"
#include "adit/train/moleblend_trainer.hpp"

// c10's logging (glog) defines its own CHECK, which aborts instead of reporting: use Catch's.
#undef CHECK
#define CHECK(...) INTERNAL_CATCH_TEST("CHECK", Catch::ResultDisposition::ContinueOnFailure, __VA_ARGS__)

using namespace adit;
using models::MoleBlendMolecule;

namespace {

// The fixture's molecules with graphs (SMILES from the geometry, as `adit prepare` stores them)
// and their geometry matched onto the graph's atom order. Built once.
const std::vector<MoleBlendMolecule>& fixture_molecules() {
    static const std::vector<MoleBlendMolecule> mols = [] {
        const auto structures = read_structures(std::string(ADIT_TEST_DATA) + "/moleblend/qm9_dft_300.extxyz.gz");
        const auto smiles = smiles_from_geometry_batch(structures, 2);
        std::vector<MoleBlendMolecule> out;
        for (std::size_t i = 0; i < structures.size(); ++i) {
            if (smiles[i].empty()) continue;
            auto m = models::moleblend_molecule(interop::smiles_graph(smiles[i]));
            if (models::attach_geometry(m, structures[i])) out.push_back(std::move(m));
        }
        return out;
    }();
    return mols;
}

nlohmann::json model_section(const std::string& config) {
    auto table = toml::parse_file(std::string(ADIT_SOURCE_DIR) + "/configs/" + config);
    std::ostringstream s;
    s << toml::json_formatter{table};
    return nlohmann::json::parse(s.str());
}

double distance(const MoleBlendMolecule& m, std::int64_t i, std::int64_t j) {
    double s = 0;
    for (int d = 0; d < 3; ++d) s += std::pow(m.positions[std::size_t(i * 3 + d)] - m.positions[std::size_t(j * 3 + d)], 2);
    return std::sqrt(s);
}

// Key of a pair's bond path: hop count and the bond-type counts along the shortest path.
std::string path_key(const MoleBlendMolecule& m, std::int64_t i, std::int64_t j) {
    const auto n = m.n;
    std::string k = std::to_string(m.hops[std::size_t(i * n + j)]);
    for (int t = 0; t < models::kBondTypes; ++t) k += "," + std::to_string(m.path[std::size_t((i * n + j) * models::kBondTypes + t)]);
    return k;
}

// Mean absolute errors (Å) of the 3D distances recovered for held-out atom pairs shown to the
// model only through 2D relations (one blend draw per molecule, seed 11), next to two baselines
// fitted on `fit`: the mean distance of all pairs, and the mean distance of each bond-path key.
// Pairs whose key `fit` never saw are skipped for all three.
struct TwoDOnlyErrors {
    double model = 0, bond_path = 0, global_mean = 0;
    std::int64_t pairs = 0;
};

TwoDOnlyErrors two_d_only_errors(models::MoleBlendImpl& model, const std::vector<MoleBlendMolecule>& fit,
                                 const std::vector<MoleBlendMolecule>& held, const models::BlendOptions& blend) {
    std::map<std::string, std::pair<double, int>> sums;
    double all_sum = 0;
    std::int64_t all_count = 0;
    for (const auto& m : fit)
        for (std::int64_t i = 0; i < m.n; ++i)
            for (std::int64_t j = 0; j < m.n; ++j)
                if (i != j) {
                    auto& e = sums[path_key(m, i, j)];
                    e.first += distance(m, i, j);
                    ++e.second;
                    all_sum += distance(m, i, j);
                    ++all_count;
                }
    const double global_mean = all_sum / double(all_count);
    model.eval();
    torch::NoGradGuard ng;
    TwoDOnlyErrors r;
    auto gen = models::cpu_generator(11);
    for (const auto& m : held) {
        auto b = models::moleblend_batch({&m}, model.options().max_hops);
        auto modality = models::blend_modalities(1, m.n, blend, gen, torch::kCPU);
        torch::Tensor relation;
        auto h = model.encode(b, b.positions, modality, models::RelationMode::blend, &relation);
        auto d = model.recover(h, b.mask, b.positions, relation).distance[0];
        for (std::int64_t i = 0; i < m.n; ++i)
            for (std::int64_t j = 0; j < m.n; ++j) {
                if (i == j || modality[0][i][j].item<std::int64_t>() == models::kDistance) continue;
                const auto it = sums.find(path_key(m, i, j));
                if (it == sums.end()) continue;
                const double truth = distance(m, i, j);
                r.bond_path += std::abs(it->second.first / it->second.second - truth);
                r.global_mean += std::abs(global_mean - truth);
                r.model += std::abs(d[i][j].item<double>() - truth);
                ++r.pairs;
            }
    }
    const double n = double(std::max<std::int64_t>(1, r.pairs));
    r.model /= n;
    r.bond_path /= n;
    r.global_mean /= n;
    return r;
}

}  // namespace

TEST_CASE("moleblend: graph relations of ethanol", "[models][moleblend]") {
    const auto m = models::moleblend_molecule(interop::smiles_graph("CCO"));
    REQUIRE(m.n == 9);  // C, C, O + 6 H
    const auto n = m.n;
    CHECK(m.hops[0 * n + 1] == 1);
    CHECK(m.hops[0 * n + 2] == 2);
    CHECK(m.bond[0 * n + 1] == 1);
    CHECK(m.bond[0 * n + 2] == 0);
    // C0 ... O2 through C1: two single bonds on the path
    CHECK(m.path[std::size_t((0 * n + 2) * models::kBondTypes + 0)] == 2);
    CHECK(m.path[std::size_t((0 * n + 2) * models::kBondTypes + 1)] == 0);
    // a hydrogen on C0 to the hydroxyl hydrogen: H-C-C-O-H, 4 hops
    std::int64_t h_on_c0 = -1, h_on_o = -1;
    for (std::int64_t i = 3; i < n; ++i) {
        if (m.bond[std::size_t(i * n + 0)]) h_on_c0 = i;
        if (m.bond[std::size_t(i * n + 2)]) h_on_o = i;
    }
    REQUIRE(h_on_c0 >= 0);
    REQUIRE(h_on_o >= 0);
    CHECK(m.hops[std::size_t(h_on_c0 * n + h_on_o)] == 4);
    // benzene: aromatic bonds, para carbons 3 hops apart
    const auto b = models::moleblend_molecule(interop::smiles_graph("c1ccccc1"));
    CHECK(b.bond[0 * 12 + 1] == 4);
    CHECK(b.hops[0 * 12 + 3] == 3);
    CHECK(b.path[std::size_t((0 * 12 + 3) * models::kBondTypes + 3)] == 3);
}

TEST_CASE("moleblend: stored geometries are matched onto the SMILES graph's atom order", "[models][moleblend]") {
    const auto& mols = fixture_molecules();
    REQUIRE(mols.size() >= 280);  // nearly every QM9 molecule matches its own perceived graph
    for (const auto& m : mols) {
        for (std::int64_t i = 0; i < m.n; ++i)
            for (std::int64_t j = i + 1; j < m.n; ++j)
                if (m.bond[std::size_t(i * m.n + j)]) REQUIRE(distance(m, i, j) < 1.75);
    }
    // A shuffled copy of the same molecule is put back in the same order (up to equivalent atoms:
    // the distance matrix sorted per row is the same).
    const auto structures = read_structures(std::string(ADIT_TEST_DATA) + "/moleblend/qm9_dft_300.extxyz.gz");
    auto s = structures[5];
    auto m = models::moleblend_molecule(interop::smiles_graph(smiles_from_geometry(s)));
    auto shuffled = s;
    std::vector<std::size_t> perm(s.size());
    for (std::size_t i = 0; i < perm.size(); ++i) perm[i] = i;
    std::mt19937 rng(3);
    std::shuffle(perm.begin(), perm.end(), rng);
    for (std::size_t i = 0; i < perm.size(); ++i) {
        shuffled.numbers[i] = s.numbers[perm[i]];
        shuffled.positions[i] = s.positions[perm[i]];
    }
    auto a = m, b = m;
    REQUIRE(models::attach_geometry(a, s));
    REQUIRE(models::attach_geometry(b, shuffled));
    for (std::int64_t i = 0; i < m.n; ++i) {
        std::vector<double> ra, rb;
        for (std::int64_t j = 0; j < m.n; ++j) {
            ra.push_back(distance(a, i, j));
            rb.push_back(distance(b, i, j));
        }
        std::sort(ra.begin(), ra.end());
        std::sort(rb.begin(), rb.end());
        for (std::size_t k = 0; k < ra.size(); ++k) CHECK(ra[k] == Approx(rb[k]).margin(1e-4));
    }
    // A structure with a different element count is refused.
    auto wrong = s;
    wrong.numbers[0] = 9;
    auto c = m;
    CHECK_FALSE(models::attach_geometry(c, wrong));
}

TEST_CASE("moleblend: blending gives each pair exactly one modality in the configured proportions",
          "[models][moleblend]") {
    auto gen = models::cpu_generator(7);
    models::BlendOptions o;  // 0.2 SPD / 0.2 3D / 0.6 edge
    const std::int64_t B = 64, N = 30;
    auto m = models::blend_modalities(B, N, o, gen, torch::kCPU);
    REQUIRE(m.sizes() == torch::IntArrayRef({B, N, N}));
    CHECK(torch::equal(m, m.transpose(1, 2)));
    CHECK(((m == 0) | (m == 1) | (m == 2)).all().item<bool>());
    auto upper = torch::triu(torch::ones({N, N}, torch::kBool)).expand({B, N, N});
    const double pairs = upper.sum().item<double>();
    const double f_spd = ((m == 0) & upper).sum().item<double>() / pairs;
    const double f_3d = ((m == 1) & upper).sum().item<double>() / pairs;
    const double f_edge = ((m == 2) & upper).sum().item<double>() / pairs;
    CHECK(f_spd + f_3d + f_edge == Approx(1.0));
    CHECK(f_spd == Approx(0.2).margin(0.01));
    CHECK(f_3d == Approx(0.2).margin(0.01));
    CHECK(f_edge == Approx(0.6).margin(0.01));
    models::BlendOptions half;
    half.p_spd = 0;
    half.p_3d = 1;
    half.p_edge = 1;
    auto h = models::blend_modalities(B, N, half, gen, torch::kCPU);
    CHECK((h != 0).all().item<bool>());
    CHECK(((h == 1) & upper).sum().item<double>() / pairs == Approx(0.5).margin(0.01));
}

TEST_CASE("moleblend: a pair's 3D geometry reaches the model only where the blend shows 3D", "[models][moleblend]") {
    torch::manual_seed(0);
    models::MoleBlendOptions o;
    o.d_model = 32;
    o.num_layers = 2;
    o.ffn_dim = 64;
    o.pair_dim = 16;
    o.gaussian_kernels = 16;
    models::MoleBlend model(o);
    model->eval();
    torch::NoGradGuard ng;
    const auto& mols = fixture_molecules();
    std::vector<const MoleBlendMolecule*> two = {&mols[10], &mols[11]};
    auto b = models::moleblend_batch(two, o.max_hops);
    auto moved = b.positions * 1.3;
    const auto B = b.size(), N = b.atoms.size(1);
    auto only_2d = torch::full({B, N, N}, std::int64_t(models::kEdge));
    only_2d.select(2, 0).fill_(std::int64_t(models::kSpd));
    auto h1 = model->encode(b, b.positions, only_2d, models::RelationMode::blend);
    auto h2 = model->encode(b, moved, only_2d, models::RelationMode::blend);
    CHECK(torch::allclose(h1, h2));
    auto some_3d = only_2d.clone();
    some_3d.select(1, 1).fill_(std::int64_t(models::kDistance));
    some_3d.select(2, 1).fill_(std::int64_t(models::kDistance));
    auto h3 = model->encode(b, b.positions, some_3d, models::RelationMode::blend);
    auto h4 = model->encode(b, moved, some_3d, models::RelationMode::blend);
    CHECK_FALSE(torch::allclose(h3, h4));
    // And the 2D mode ignores coordinates altogether.
    CHECK(torch::allclose(model->encode(b, b.positions, {}, models::RelationMode::two_d),
                          model->encode(b, moved, {}, models::RelationMode::two_d)));
}

TEST_CASE("moleblend: the MASA twin has at most 40% of the attention parameters", "[models][moleblend]") {
    auto base = models::moleblend_options_from_json(model_section("moleblend-base.toml")["model"]);
    auto masa = models::moleblend_options_from_json(model_section("moleblend-masa.toml")["model"]);
    CHECK(masa.attention == "masa");
    CHECK(base.attention == "standard");
    base.d_model = masa.d_model = 64;  // the share depends on L and S only; keep the test light
    models::MoleBlend a(base), b(masa);
    const double share = double(b->attention_parameter_count()) / double(a->attention_parameter_count());
    INFO("MASA attention parameter share " << share);
    CHECK(share <= 0.40);
    CHECK(share > 0.2);
    CHECK(a->parameter_count() - a->attention_parameter_count() == b->parameter_count() - b->attention_parameter_count());
}

TEST_CASE("moleblend: pretraining loss falls, resumes exactly, and 2D-only pairs beat the all-pairs mean",
          "[models][moleblend]") {
    const auto& mols = fixture_molecules();
    std::vector<MoleBlendMolecule> train(mols.begin(), mols.begin() + 240), held(mols.begin() + 240, mols.end());
    nlohmann::json config = model_section("moleblend-small.toml");
    config["train"]["steps"] = 400;
    config["train"]["validate_every"] = 0;
    config["train"]["checkpoint_every"] = 0;
    config["train"]["batch_size"] = 24;
    config["validation_molecules"] = 100;
    const auto dir = std::filesystem::temp_directory_path() / "adit_test_moleblend_pretrain";
    std::filesystem::remove_all(dir);
    train::MoleBlendRunOptions run;
    auto r = train::pretrain_moleblend(config, train, held, dir.string(), run);
    REQUIRE(r.losses.size() == 400);
    auto mean = [](const std::vector<double>& v, std::size_t a, std::size_t b) {
        double s = 0;
        for (std::size_t i = a; i < b; ++i) s += v[i];
        return s / double(b - a);
    };
    const double first = mean(r.losses, 0, 20), last = mean(r.losses, 380, 400);
    INFO("loss " << first << " -> " << last);
    CHECK(last < 0.5 * first);
    REQUIRE(std::filesystem::exists(dir / "moleblend.pt"));

    // The short CPU run must beat the all-pairs mean (what a model ignoring the 2D relations could
    // do at best with one number); the bond-path mean is reported here and beaten by the shipped
    // pretrained model (next test) and at scale by `adit pretrain moleblend`'s validation
    // ("bond_path_baseline_mae" beside "distance_mae_2d_only_compared"), see docs/BENCHMARKS.md.
    auto model = train::load_pretrained_moleblend((dir / "moleblend.pt").string());
    const auto e = two_d_only_errors(*model, train, held, models::blend_options_from_json(config["blend"]));
    REQUIRE(e.pairs > 1000);
    INFO("held-out 2D-only pairs: model MAE " << e.model << " Å, all-pairs mean " << e.global_mean
                                              << " Å, bond-path mean baseline " << e.bond_path << " Å");
    CHECK(e.model < 0.95 * e.global_mean);
    WARN("held-out 2D-only pairs: model MAE " << e.model << " Å, all-pairs mean " << e.global_mean
                                              << " Å, bond-path mean baseline " << e.bond_path << " Å");

    // Exact resume: 3 steps, stop, resume to 6 == 6 straight.
    config["train"]["steps"] = 6;
    const auto d1 = std::filesystem::temp_directory_path() / "adit_test_moleblend_resume1";
    const auto d2 = std::filesystem::temp_directory_path() / "adit_test_moleblend_resume2";
    std::filesystem::remove_all(d1);
    std::filesystem::remove_all(d2);
    auto straight = train::pretrain_moleblend(config, train, {}, d1.string(), {});
    train::MoleBlendRunOptions part;
    part.stop_after = 3;
    auto a = train::pretrain_moleblend(config, train, {}, d2.string(), part);
    REQUIRE(a.step == 3);
    train::MoleBlendRunOptions rest;
    rest.resume = true;
    auto c = train::pretrain_moleblend(config, train, {}, d2.string(), rest);
    REQUIRE(c.losses.size() == 3);
    for (int k = 0; k < 3; ++k) CHECK(c.losses[std::size_t(k)] == Approx(straight.losses[std::size_t(k + 3)]).epsilon(1e-5));
    std::filesystem::remove_all(dir);
    std::filesystem::remove_all(d1);
    std::filesystem::remove_all(d2);
}

TEST_CASE("moleblend: the NaN guard stops pretraining and names the step", "[models][moleblend]") {
    const auto& mols = fixture_molecules();
    std::vector<MoleBlendMolecule> train(mols.begin(), mols.begin() + 48);
    nlohmann::json config = model_section("moleblend-small.toml");
    config["train"]["steps"] = 5;
    config["train"]["batch_size"] = 24;
    config["train"]["lr"] = 1e30;  // the weights overflow after the first update
    config["train"]["grad_clip"] = 0.0;
    config["train"]["checkpoint_every"] = 0;
    const auto dir = std::filesystem::temp_directory_path() / "adit_test_moleblend_nan";
    std::filesystem::remove_all(dir);
    REQUIRE_THROWS_WITH(train::pretrain_moleblend(config, train, {}, dir.string(), {}), Catch::Contains("at step 2"));
    std::filesystem::remove_all(dir);
}

TEST_CASE("moleblend: the shipped pretrained model recovers held-out 2D-only distances better than the bond-path mean",
          "[models][moleblend][shipped]") {
    // models/moleblend-qm9-pretrained.pt: 12,000 GPU steps on the QM9 DFT training geometries
    // (models/README.md). The fixture molecules come from the 12,000-molecule test copy, which
    // pretraining never saw. The baseline is fitted on all 300 fixture molecules, the 60 scored
    // ones included, which favours the baseline.
    const auto path = std::string(ADIT_SOURCE_DIR) + "/models/moleblend-qm9-pretrained.pt";
    REQUIRE(std::filesystem::exists(path));
    nlohmann::json meta;
    auto model = train::load_pretrained_moleblend(path, &meta);
    const auto& mols = fixture_molecules();
    std::vector<MoleBlendMolecule> held(mols.begin() + 240, mols.end());
    const auto e = two_d_only_errors(*model, mols, held, models::blend_options_from_json(meta["config"]["blend"]));
    REQUIRE(e.pairs > 1000);
    INFO("held-out 2D-only pairs: model MAE " << e.model << " Å, bond-path mean " << e.bond_path << " Å, all-pairs mean "
                                              << e.global_mean << " Å");
    CHECK(e.model < e.bond_path);
    CHECK(e.model < 0.5 * e.global_mean);
}
