// adit: all-atom generative modelling of molecules and crystals. Entry point: global options,
// logging, then dispatch to the subcommand that CLI11 parsed (one file per subcommand).
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include <malloc.h>

#include <iostream>
#include <vector>

#include "adit/core/log.hpp"
#include "command.hpp"

namespace {

void install_logging(const adit::cli::GlobalOptions& g) {
    auto logger = spdlog::stderr_color_mt("adit");
    logger->set_pattern("%^[%l]%$ %v");
    logger->set_level(g.quiet ? spdlog::level::warn : g.verbose > 0 ? spdlog::level::debug : spdlog::level::info);
    spdlog::set_default_logger(logger);
    adit::set_log_sink([](adit::LogLevel level, std::string_view message) {
        switch (level) {
            case adit::LogLevel::debug: spdlog::debug("{}", message); break;
            case adit::LogLevel::info: spdlog::info("{}", message); break;
            case adit::LogLevel::warn: spdlog::warn("{}", message); break;
        }
    });
}

// LibTorch allocates and frees activations of several MB at every layer. With glibc's defaults
// such blocks are mmap'ed and handed back to the kernel on free, then faulted in again at the
// next step (5 % of the cycles of CPU sampling went to page faults). Serve them from the heap
// and keep what is freed; the trim threshold still returns memory above 1 GiB of free heap.
void keep_freed_memory() {
#ifdef M_MMAP_THRESHOLD
    mallopt(M_MMAP_THRESHOLD, 32 * 1024 * 1024);  // the largest glibc accepts on 64-bit
    mallopt(M_TRIM_THRESHOLD, 1 << 30);
#endif
}

}  // namespace

int main(int argc, char** argv) {
    using namespace adit::cli;
    keep_freed_memory();
    CLI::App app{"adit: all-atom generative modelling of molecules and crystals"};
    app.set_version_flag("--version", std::string("adit ") + ADIT_VERSION);
    app.require_subcommand(1);
    app.fallthrough();  // global options may also follow the subcommand

    GlobalOptions global;
    app.add_option("--threads", global.threads, "CPU threads (0 = all cores)")->check(CLI::NonNegativeNumber);
    app.add_option("--seed", global.seed, "random seed");
    app.add_option("--device", global.device, "compute device: cpu, cuda or cuda:N")
        ->check(CLI::Validator(
            [](std::string& s) {
                const bool ok = s == "cpu" || s == "cuda" ||
                                (s.rfind("cuda:", 0) == 0 && s.size() > 5 &&
                                 s.find_first_not_of("0123456789", 5) == std::string::npos);
                return ok ? std::string() : "must be cpu, cuda or cuda:N, not " + s;
            },
            "DEVICE"));
    app.add_option("--precision", global.precision, "fp32 or bf16 (bf16 autocast on CUDA)")
        ->check(CLI::IsMember({"fp32", "bf16"}));
    app.add_flag("-v,--verbose", global.verbose, "more log output (debug)");
    app.add_flag("-q,--quiet", global.quiet, "only warnings and errors on stderr");

    std::vector<Command> commands = {
        register_convert(app, global),   register_info(app, global),  register_prepare(app, global),
        register_train(app, global),     register_sample(app, global), register_eval(app, global),
        register_match(app, global),     register_conformer(app, global), register_draw(app, global),
        register_compress(app, global), register_pretrain(app, global), register_finetune(app, global),
        register_predict(app, global),   register_export(app, global), register_reconstruct(app, global),
    };

    CLI11_PARSE(app, argc, argv);
    install_logging(global);
    for (const Command& c : commands)
        if (c.app->parsed()) return c.run();
    return 0;
}
