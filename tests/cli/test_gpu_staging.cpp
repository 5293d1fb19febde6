// CLI test of the GPU session scripts (tools/gpu/stage.sh, staged_train.sh, pieces.sh) run on the
// CPU build: a segment's full checkpoint leaves one "session" in pieces small enough for the
// device tool, comes back over several calls, is staged in a fresh "session", and the run resumes
// there with the losses of an uninterrupted run. A damaged set of pieces is refused.
#include <catch2/catch.hpp>

#include <filesystem>
#include <string>

#include "cli_harness.hpp"

namespace {

namespace fs = std::filesystem;
using adit_cli_test::read_loss_log;
using adit_cli_test::Run;

struct Dir : adit_cli_test::ScratchDir {
    Dir() : ScratchDir("adit_cli_stage_", {"configs", "tests", "tools/gpu"}) {}
};

// A stage as tools/gpu/stage.sh makes it on the device, with the CPU build for the binary.
std::string stage_env(const Dir& dir, const std::string& stage) {
    return "ADIT_STAGE=" + dir.path + "/" + stage + " ADIT_BIN='" + ADIT_BINARY +
           "' ADIT_DEVICE=cpu ADIT_THREADS=1 ADIT_PIECE_MIB=1 ";
}

Run sh(const Dir& dir, const std::string& command) {
    auto r = adit_cli_test::run_shell(dir.path, command + " 2>&1");
    INFO(command << "\n" << r.out);
    REQUIRE(r.status == 0);
    return r;
}

std::size_t files_in(const std::string& dir) {
    std::size_t n = 0;
    for (const auto& e : fs::directory_iterator(dir)) n += e.is_regular_file();
    return n;
}

}  // namespace

TEST_CASE("A staged segment's full checkpoint crosses sessions in pieces and resumes exactly", "[cli][gpu-scripts]") {
    Dir dir;
    const std::string adit = std::string("'") + ADIT_BINARY + "'";
    sh(dir, adit + " train vae --config configs/smoke-vae.toml --out runs/vae --threads 1 --steps 4");
    const std::string dit = " train dit --config configs/smoke-dit.toml --vae runs/vae/vae.pt --threads 1 --steps 8";
    sh(dir, adit + dit + " --out runs/one --loss-log one.tsv");

    // Session 1: stage, train 4 steps, send the pieces home over as many calls as they need.
    // The stages link tests/ too: the smoke configs name their data as ../tests/data.
    for (const char* s : {"s1", "s2"}) {
        fs::create_directories(dir.path + "/" + s);
        fs::create_directory_symlink(std::string(ADIT_SOURCE_DIR) + "/tests", dir.path + "/" + s + "/tests");
    }
    sh(dir, stage_env(dir, "s1") + "tools/gpu/stage.sh runs/vae/vae.pt");
    fs::create_directories(dir.path + "/out1");
    const auto seg = sh(dir, stage_env(dir, "s1") + "OUT=out1 tools/gpu/staged_train.sh run 300 dit"
                                                     " --config configs/smoke-dit.toml --vae data/vae.pt --steps 4");
    REQUIRE(seg.out.find("the full checkpoint waits") != std::string::npos);
    REQUIRE(fs::exists(dir.path + "/out1/run-release.pt.sha256"));
    sh(dir, "tools/gpu/pieces.sh join out1 run-release.pt release.pt");  // the release comes home checked too
    const auto full_bytes = fs::file_size(dir.path + "/s1/runs/run/dit.pt");
    REQUIRE(full_bytes > 2 * 1048576);  // more than two 1 MiB pieces: the join below puts several together

    fs::create_directories(dir.path + "/home");
    int calls = 0;
    for (bool waiting = true; waiting; ++calls) {
        REQUIRE(calls < 40);
        const std::string out = "out-send" + std::to_string(calls);
        fs::create_directories(dir.path + "/" + out);
        const auto r = sh(dir, stage_env(dir, "s1") + "OUT=" + out + " tools/gpu/pieces.sh send");
        REQUIRE(files_in(dir.path + "/" + out) <= 8);  // the device tool's limit for one call
        waiting = r.out.find(" 0 wait") == std::string::npos;
        sh(dir, "cp " + out + "/* home/ 2>/dev/null || true");
    }
    REQUIRE(calls >= 2);  // eight files a call: the pieces needed more than one

    // A missing piece is refused with the expected and found SHA-256.
    sh(dir, "mkdir -p broken && cp home/* broken/ && rm broken/run-dit.pt.part-ab");
    const auto bad = adit_cli_test::run_shell(dir.path, "tools/gpu/pieces.sh join broken run-dit.pt x.pt 2>&1");
    REQUIRE(bad.status == 1);
    REQUIRE(bad.out.find("a piece is missing or damaged") != std::string::npos);
    REQUIRE_FALSE(fs::exists(dir.path + "/x.pt"));

    // Session 2: a fresh stage gets the pieces as carried data; the segment joins them and resumes.
    sh(dir, stage_env(dir, "s2") + "tools/gpu/stage.sh runs/vae/vae.pt");
    sh(dir, stage_env(dir, "s2") + "tools/gpu/stage.sh --files-only home/run-dit.pt.*");
    fs::create_directories(dir.path + "/out2");
    const auto resumed = sh(dir, stage_env(dir, "s2") + "OUT=out2 tools/gpu/staged_train.sh run 300 dit --config "
                                                         "configs/smoke-dit.toml --vae data/vae.pt --steps 8 --loss-log resumed.tsv");
    REQUIRE(resumed.out.find("SHA-256 ok") != std::string::npos);
    REQUIRE(adit_cli_test::slurp(dir.path + "/s2/runs/run.log").find("resuming runs/run/dit.pt from step 4") != std::string::npos);

    const auto a = read_loss_log(dir.path + "/one.tsv"), b = read_loss_log(dir.path + "/s2/resumed.tsv");
    REQUIRE(a.size() == 8);
    REQUIRE(b.size() == 4);
    for (int s = 5; s <= 8; ++s) {
        INFO("step " << s);
        REQUIRE(b.at(s) == Approx(a.at(s)).epsilon(1e-5));
    }
}
