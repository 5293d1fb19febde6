// CLI test for the models area (adit train vae|dit, adit sample, adit info on checkpoints): runs
// the smoke configs end to end with the exact command lines of README.md's `models` section.
#include <catch2/catch.hpp>

#include <array>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>

#include "cli_harness.hpp"

namespace {

using adit_cli_test::Run;
using adit_cli_test::slurp;

// Runs "adit <args>" in `dir`; returns exit status and stdout (stderr goes to dir/stderr.log).
Run adit(const std::string& dir, const std::string& args) { return adit_cli_test::run_readme_command(dir, args); }

// The README documents this command verbatim, and it succeeds.
Run documented(const std::string& dir, const std::string& command) {
    INFO(command);
    REQUIRE(adit_cli_test::readme_has(command));
    auto r = adit(dir, command);
    INFO(slurp(dir + "/stderr.log"));
    REQUIRE(r.status == 0);
    return r;
}

int count_xyz_frames(const std::string& path) {
    std::ifstream in(path);
    std::string line;
    int frames = 0;
    while (std::getline(in, line)) {
        if (line.empty()) continue;
        const int n = std::stoi(line);
        std::getline(in, line);  // comment
        for (int i = 0; i < n; ++i) std::getline(in, line);
        ++frames;
    }
    return frames;
}

}  // namespace

TEST_CASE("adit train / sample / info run the smoke configs end to end", "[cli][models]") {
    const adit_cli_test::ScratchDir scratch("adit_cli_models_", {"configs", "tests/data/models"});
    const auto& dir = scratch.path;

    auto vae = documented(dir, "adit train vae --config configs/smoke-vae.toml --out runs/smoke");
    auto summary = nlohmann::json::parse(vae.out);
    REQUIRE(summary["step"] == 40);
    REQUIRE(summary["validation"]["type_accuracy"].get<double>() > 0.25);  // from ~1% at random init
    REQUIRE(std::filesystem::exists(dir + "/runs/smoke/vae.pt"));

    documented(dir, "adit train dit --config configs/smoke-dit.toml --vae runs/smoke/vae.pt --out runs/smoke-dit");
    documented(dir, "adit train dit --config configs/smoke-dit-masa.toml --vae runs/smoke/vae.pt --out runs/smoke-dit-masa");

    documented(dir, "adit sample --model runs/smoke-dit/dit.pt --system molecule -n 8 --steps 20 --out molecules.xyz");
    REQUIRE(count_xyz_frames(dir + "/molecules.xyz") == 8);
    documented(dir, "adit sample --model runs/smoke-dit-masa/dit.pt --system crystal -n 8 --steps 20 --out crystals.extxyz");
    REQUIRE(count_xyz_frames(dir + "/crystals.extxyz") == 8);
    REQUIRE(slurp(dir + "/crystals.extxyz").find("Lattice=") != std::string::npos);

    auto standard = nlohmann::json::parse(documented(dir, "adit info runs/smoke-dit/dit.pt --json").out);
    auto masa = nlohmann::json::parse(documented(dir, "adit info runs/smoke-dit-masa/dit.pt --json").out);
    REQUIRE(standard["kind"] == "dit");
    for (const auto& key : {"attention", "mlp", "other", "total"}) REQUIRE(masa["parameters"][key].get<long long>() > 0);
    const auto a_std = standard["parameters"]["attention"].get<double>(), a_masa = masa["parameters"]["attention"].get<double>();
    REQUIRE(a_masa <= 0.4 * a_std);
    REQUIRE(masa["parameters"]["mlp"] == standard["parameters"]["mlp"]);
    // Post-hoc MASA: SVD across layers of the trained standard DiT, then a short fine-tune.
    auto compressed = nlohmann::json::parse(documented(
        dir, "adit compress --model runs/smoke-dit/dit.pt --config configs/smoke-dit-masa.toml --steps 10 --out runs/smoke-dit-compressed").out);
    REQUIRE(compressed["step"] == 10);
    auto cinfo = nlohmann::json::parse(documented(dir, "adit info runs/smoke-dit-compressed/dit.pt --json").out);
    REQUIRE(cinfo["model"]["attention"] == "masa");
    REQUIRE(cinfo["parameters"]["attention"].get<double>() <= 0.4 * a_std);
    documented(dir, "adit sample --model runs/smoke-dit-compressed/dit.pt --system molecule -n 4 --steps 10 --out compressed.xyz");
    REQUIRE(count_xyz_frames(dir + "/compressed.xyz") == 4);
    // A sampling-only release (as the shipped default) has no encoder to fine-tune with: compress
    // refuses it alone and takes the VAE it was trained with from --vae.
    documented(dir, "adit export --model runs/smoke-dit/dit.pt --out smoke-dit-release.pt --sampling-only");
    REQUIRE(adit(dir, "adit compress --model smoke-dit-release.pt --config configs/smoke-dit-masa.toml --steps 2 --out runs/c").status == 1);
    REQUIRE(slurp(dir + "/stderr.log").find("it has no encoder") != std::string::npos);
    auto from_release = nlohmann::json::parse(documented(dir,
        "adit compress --model smoke-dit-release.pt --vae runs/smoke/vae.pt --config configs/smoke-dit-masa.toml --steps 4 --out runs/smoke-release-compressed").out);
    REQUIRE(from_release["step"] == 4);
    auto rinfo = nlohmann::json::parse(documented(dir, "adit info runs/smoke-release-compressed/dit.pt --json").out);
    REQUIRE(rinfo["model"]["attention"] == "masa");
    REQUIRE(rinfo["parameters"]["attention"] == cinfo["parameters"]["attention"]);

    // The autoencoder's round trip: every input back (in its order, with its id), the report as
    // JSON; a DiT file's embedded VAE works the same.
    documented(dir, "adit reconstruct --model runs/smoke/vae.pt --input tests/data/models/qm9_64.extxyz --out recon.xyz --json recon.json");
    REQUIRE(count_xyz_frames(dir + "/recon.xyz") == 64);
    auto recon = nlohmann::json::parse(slurp(dir + "/recon.json"));
    REQUIRE(recon["molecules"]["count"] == 64);
    REQUIRE(recon["molecules"]["rmsd_mean"].get<double>() > 0.0);
    REQUIRE(recon["molecules"]["types_exact"].get<double>() >= 0.0);
    REQUIRE_FALSE(recon.contains("crystals"));
    auto crystal_recon = documented(dir, "adit reconstruct --model runs/smoke-dit/dit.pt --input tests/data/models/mp20_64.csv -n 16");
    REQUIRE(crystal_recon.out.find("crystals      16") != std::string::npos);
    REQUIRE(crystal_recon.out.find("matched") != std::string::npos);
    REQUIRE(adit(dir, "adit reconstruct --model runs/smoke/vae.pt --input missing.xyz").status == 1);
    REQUIRE(slurp(dir + "/stderr.log").find("missing.xyz") != std::string::npos);

    auto text = documented(dir, "adit info runs/smoke/vae.pt");
    REQUIRE(text.out.find("attention") != std::string::npos);

    // Resuming a finished run with more steps continues from its checkpoint.
    auto resumed = nlohmann::json::parse(
        documented(dir, "adit train vae --config configs/smoke-vae.toml --out runs/smoke --resume --steps 50").out);
    REQUIRE(resumed["step"] == 50);
    // The VAE has moved on: it is no longer the one the DiT release decodes with.
    REQUIRE(adit(dir, "adit compress --model smoke-dit-release.pt --vae runs/smoke/vae.pt --config configs/smoke-dit-masa.toml --steps 2 --out runs/c").status == 1);
    REQUIRE(slurp(dir + "/stderr.log").find("--vae: runs/smoke/vae.pt is not the VAE smoke-dit-release.pt was trained with") != std::string::npos);

    // Errors are one line on stderr and exit status 1.
    REQUIRE(adit(dir, "adit sample --model runs/smoke/vae.pt --system molecule -n 2 --out x.xyz").status == 1);
    REQUIRE(slurp(dir + "/stderr.log").find("adit sample: error: runs/smoke/vae.pt: expected a dit checkpoint") != std::string::npos);
}
