// CLI test of data-parallel training (adit train --distributed, src/adit/train/distributed.cpp):
// two Gloo processes on the CPU, started by tools/gpu/launch.sh, give the losses of one process
// at the same global batch and seed; a checkpoint written by the two-process run resumes in a
// one-process run exactly where an uninterrupted run would be. Command lines as in README.md.
#include <catch2/catch.hpp>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <map>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>

#include "cli_harness.hpp"

namespace {

using adit_cli_test::read_loss_log;
using adit_cli_test::Run;

// Runs `command` in `dir` (stderr appended to dir/stderr.log) with "adit" replaced by the built binary.
Run shell(const std::string& dir, const std::string& command) { return adit_cli_test::run_readme_command(dir, command); }

Run documented(const std::string& dir, const std::string& command, const std::string& extra) {
    INFO(command);
    REQUIRE(adit_cli_test::readme_has(command));
    auto r = shell(dir, command + extra);
    INFO(adit_cli_test::slurp(dir + "/stderr.log"));
    REQUIRE(r.status == 0);
    return r;
}

void require_same_losses(const std::map<int, double>& a, const std::map<int, double>& b, int from, int to) {
    for (int s = from; s <= to; ++s) {
        INFO("step " << s);
        REQUIRE(a.count(s) == 1);
        REQUIRE(b.count(s) == 1);
        REQUIRE(std::isfinite(a.at(s)));
        REQUIRE(b.at(s) == Approx(a.at(s)).epsilon(1e-5));
    }
}

struct Dir : adit_cli_test::ScratchDir {
    Dir() : ScratchDir("adit_cli_dist_", {"configs", "tools/gpu"}) {}
};

std::string port_env() { return "MASTER_PORT=" + std::to_string(20000 + ::getpid() % 20000) + " "; }

}  // namespace

TEST_CASE("2 Gloo processes give the losses of 1 process at equal global batch; their checkpoint resumes in 1",
          "[cli][distributed]") {
    Dir dir;
    const std::string one = "adit train vae --config configs/smoke-vae.toml --out runs/smoke-1p --shards 2";
    const std::string two = "tools/gpu/launch.sh 2 -- adit train vae --config configs/smoke-vae.toml --out runs/smoke-dp --shards 2 --distributed";
    const std::string opts = " --threads 1 --steps 8 --loss-log ";

    documented(dir.path, one, opts + "one.tsv");
    const auto r = shell(dir.path, port_env() + two + opts + "two.tsv --bucket-mb 0.05");
    INFO(adit_cli_test::slurp(dir.path + "/stderr.log"));
    REQUIRE(r.status == 0);
    // Rank 0 alone reports: one JSON summary on stdout, one checkpoint.
    auto summary = nlohmann::json::parse(r.out);
    REQUIRE(summary["step"] == 8);
    REQUIRE(std::filesystem::exists(dir.path + "/runs/smoke-dp/vae.pt"));
    // Small buckets: the gradients went out in several all-reduces during backward.
    const auto log = adit_cli_test::slurp(dir.path + "/stderr.log");
    const auto at = log.find(" gradient buckets");
    REQUIRE(at != std::string::npos);
    const auto from = log.rfind(" in ", at);
    REQUIRE(std::stoi(log.substr(from + 4, at - from - 4)) > 1);

    const auto a = read_loss_log(dir.path + "/one.tsv"), b = read_loss_log(dir.path + "/two.tsv");
    REQUIRE(a.size() == 8);
    require_same_losses(a, b, 1, 8);
    // The model learns (not a constant): the losses change from step to step.
    REQUIRE(a.at(8) != a.at(1));

    // Stop the 2-process run at step 4, resume with 1 process to step 8: same losses as the
    // uninterrupted run (the state and the data order do not depend on the process count).
    REQUIRE(shell(dir.path, port_env() + "tools/gpu/launch.sh 2 -- adit train vae --config configs/smoke-vae.toml"
                                         " --out runs/half --shards 2 --distributed --threads 1 --steps 4").status == 0);
    const auto resumed = shell(dir.path, "adit train vae --config configs/smoke-vae.toml --out runs/half --shards 2 --resume"
                                         " --threads 1 --steps 8 --loss-log resumed.tsv");
    REQUIRE(resumed.status == 0);
    const auto c = read_loss_log(dir.path + "/resumed.tsv");
    REQUIRE(c.size() == 4);
    require_same_losses(a, c, 5, 8);
}

TEST_CASE("DiT: 2 Gloo processes give the losses of 1 process", "[cli][distributed]") {
    Dir dir;
    REQUIRE(shell(dir.path, "adit train vae --config configs/smoke-vae.toml --out runs/vae --threads 1 --steps 4").status == 0);
    const std::string dit = " train dit --config configs/smoke-dit.toml --vae runs/vae/vae.pt --shards 4 --threads 1 --steps 5";
    REQUIRE(shell(dir.path, "adit" + dit + " --out runs/one --loss-log one.tsv").status == 0);
    const auto r = shell(dir.path, port_env() + "tools/gpu/launch.sh 2 -- adit" + dit + " --out runs/two --distributed --loss-log two.tsv");
    INFO(adit_cli_test::slurp(dir.path + "/stderr.log"));
    REQUIRE(r.status == 0);
    const auto a = read_loss_log(dir.path + "/one.tsv"), b = read_loss_log(dir.path + "/two.tsv");
    REQUIRE(a.size() == 5);
    require_same_losses(a, b, 1, 5);
}

TEST_CASE("--distributed without the launcher's environment is an error naming the variable", "[cli][distributed]") {
    Dir dir;
    const auto r = shell(dir.path, std::string("env -u RANK -u WORLD_SIZE '") + ADIT_BINARY +
                                       "' train vae --config configs/smoke-vae.toml --out runs/x --distributed");
    REQUIRE(r.status == 1);
    REQUIRE(adit_cli_test::slurp(dir.path + "/stderr.log").find("RANK") != std::string::npos);
}
