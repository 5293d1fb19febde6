// CLI test of `adit sample`'s outputs (src/adit/sample/output.cpp) and of the DiT's validation
// during training (src/adit/sample/validation.cpp): .h5 files that `adit info` and `adit eval`
// read, directories of one file per structure, and the provenance every sample carries (system,
// steps, cfg, seed, sampler, model) in SDF items, extended-XYZ keys, CIF _adit_* items and HDF5
// attributes. Command lines as in README.md's models section.
#include <catch2/catch.hpp>

#include <array>
#include <cstdio>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <regex>
#include <string>

#include "cli_harness.hpp"

namespace {

using adit_cli_test::Run;

Run adit(const std::string& dir, const std::string& args) { return adit_cli_test::run_readme_command(dir, args); }

Run ok(const std::string& dir, const std::string& command, bool in_readme = true) {
    INFO(command);
    if (in_readme) REQUIRE(adit_cli_test::readme_has(command));
    auto r = adit(dir, command);
    INFO(adit_cli_test::slurp(dir + "/stderr.log"));
    REQUIRE(r.status == 0);
    return r;
}

using adit_cli_test::count_occurrences;

}  // namespace

TEST_CASE("adit sample writes .h5, directories and provenance; DiT training validates by sampling", "[cli][models][sample]") {
    const adit_cli_test::ScratchDir scratch("adit_cli_sample_", {"configs"});
    const auto& dir = scratch.path;

    ok(dir, "adit train vae --config configs/smoke-vae.toml --out runs/smoke --steps 6", false);
    // DiT validation: a few samples of each system through the eval library, with the EMA weights.
    auto trained = ok(dir, "adit train dit --config configs/smoke-dit.toml --vae runs/smoke/vae.pt --out runs/smoke-dit --steps 6", false);
    const auto summary = nlohmann::json::parse(trained.out);
    const auto& v = summary["validation"];
    REQUIRE(v["molecule"]["samples"] == 16);
    REQUIRE(v["crystal"]["samples"] == 16);
    for (const char* key : {"valid", "valid_connected", "atom_stable", "mol_stable"}) {
        const double x = v["molecule"][key].get<double>();
        REQUIRE((x >= 0 && x <= 1));
    }
    const double structural = v["crystal"]["structural_valid"].get<double>();
    const double composition = v["crystal"]["composition_valid"].get<double>();
    const double both = v["crystal"]["valid"].get<double>();
    REQUIRE((structural >= 0 && structural <= 1 && composition >= 0 && composition <= 1));
    REQUIRE(both <= std::min(structural, composition));
    REQUIRE(adit_cli_test::slurp(dir + "/stderr.log").find("validation {\"crystal\"") != std::string::npos);

    {  // .h5 in adit's layout, read by adit info and adit eval, with the run in its attributes
        ok(dir, "adit sample --model runs/smoke-dit/dit.pt --system molecule -n 8 --steps 20 --out molecules.h5");
        ok(dir, "adit info molecules.h5");
        const auto info = nlohmann::json::parse(ok(dir, "adit info molecules.h5 --json", false).out);
        REQUIRE(info["structures"] == 8);
        REQUIRE(info["systems"]["molecule"] == 8);
        REQUIRE(info["attributes"]["sample_model"] == "runs/smoke-dit/dit.pt");
        REQUIRE(info["attributes"]["sample_system"] == "molecule");
        REQUIRE(info["attributes"]["sample_steps"] == "20");
        REQUIRE(info["attributes"]["sample_cfg"] == "2");
        REQUIRE(info["attributes"]["sample_seed"] == "0");
        REQUIRE(info["attributes"]["sample_temperature"] == "1");
        bool steps_column = false;
        for (const auto& p : info["properties"])
            if (p["name"] == "sampling_steps" && p["count"] == 8 && p["min"] == 20.0 && p["max"] == 20.0) steps_column = true;
        REQUIRE(steps_column);
        ok(dir, "adit eval molecules molecules.h5");
        ok(dir, "adit eval molecules molecules.h5 --json eval.json", false);
        const auto metrics = nlohmann::json::parse(adit_cli_test::slurp(dir + "/eval.json"));
        REQUIRE(metrics["count"] == 8);
    }

    {  // a directory: one CIF per crystal with _adit_* items, read back by adit eval
        ok(dir, "adit sample --model runs/smoke-dit/dit.pt --system crystal -n 8 --steps 20 --out crystals/");
        std::size_t files = 0;
        for (const auto& e : std::filesystem::directory_iterator(dir + "/crystals")) {
            ++files;
            REQUIRE(std::regex_match(e.path().filename().string(), std::regex("crystal_[0-7]\\.cif")));
            const auto text = adit_cli_test::slurp(e.path().string());
            REQUIRE(count_occurrences(text, "data_") == 1);
            REQUIRE(text.find("_adit_system   'crystal'") != std::string::npos);
            REQUIRE(text.find("_adit_sampling_steps   20") != std::string::npos);
            REQUIRE(text.find("_adit_cfg_scale   2") != std::string::npos);
            REQUIRE(text.find("_adit_noise_temperature   1") != std::string::npos);
            REQUIRE(text.find("_adit_model   'runs/smoke-dit/dit.pt'") != std::string::npos);
        }
        REQUIRE(files == 8);
        ok(dir, "adit eval crystals crystals/");
        // The items come back as properties: convert to extended XYZ shows them as keys.
        ok(dir, "adit convert crystals/crystal_3.cif back.extxyz", false);
        const auto back = adit_cli_test::slurp(dir + "/back.extxyz");
        REQUIRE(back.find("system=crystal") != std::string::npos);
        REQUIRE(back.find("sampling_steps=20") != std::string::npos);
    }

    {  // SDF data items, extended-XYZ keys, --format in a directory, the seed
        ok(dir, "adit sample --model runs/smoke-dit/dit.pt --system molecule -n 3 --steps 5 --cfg 1.5 --seed 7 --out m.sdf", false);
        const auto sdf = adit_cli_test::slurp(dir + "/m.sdf");
        REQUIRE(count_occurrences(sdf, "$$$$") == 3);
        REQUIRE(count_occurrences(sdf, ">  <system>") + count_occurrences(sdf, "> <system>") == 3);
        REQUIRE(sdf.find("molecule") != std::string::npos);
        REQUIRE(count_occurrences(sdf, "<sampling_steps>") == 3);
        REQUIRE(count_occurrences(sdf, "<seed>") == 3);
        REQUIRE(count_occurrences(sdf, "<model>") == 3);
        ok(dir, "adit sample --model runs/smoke-dit/dit.pt --system molecule -n 3 --steps 5 --cfg 1.5 --seed 7 --out m.xyz", false);
        const auto xyz = adit_cli_test::slurp(dir + "/m.xyz");
        REQUIRE(count_occurrences(xyz, "system=molecule") == 3);
        REQUIRE(count_occurrences(xyz, "sampling_steps=5") == 3);
        REQUIRE(count_occurrences(xyz, "cfg_scale=1.5") == 3);
        REQUIRE(count_occurrences(xyz, "seed=7") == 3);
        REQUIRE(count_occurrences(xyz, "noise_temperature=1") == 3);
        ok(dir, "adit sample --model runs/smoke-dit/dit.pt --system molecule -n 1 --steps 5 --temperature 0.8 --out t.xyz", false);
        REQUIRE(count_occurrences(adit_cli_test::slurp(dir + "/t.xyz"), "noise_temperature=0.8") == 1);
        ok(dir, "adit sample --model runs/smoke-dit/dit.pt --system molecule -n 2 --steps 5 --out mols --format sdf", false);
        REQUIRE(std::filesystem::exists(dir + "/mols/molecule_0.sdf"));
        REQUIRE(std::filesystem::exists(dir + "/mols/molecule_1.sdf"));
        REQUIRE(!std::filesystem::exists(dir + "/mols/molecule_2.sdf"));
    }
}
