// What every subcommand file shares: the global options and the one error guard.
#pragma once

#include <CLI/CLI.hpp>

#include <cstdint>
#include <functional>
#include <string>

namespace adit::cli {

struct GlobalOptions {
    int threads = 0;            // 0 = all cores
    std::uint64_t seed = 0;
    std::string device = "cpu"; // cpu | cuda | cuda:N (checked by nn::parse_device where used)
    std::string precision;      // fp32 | bf16; empty: the config's (train) or fp32 (sample)
    int verbose = 0;            // -v count
    bool quiet = false;
};

// A registered subcommand: its CLI11 node and what to run once it is parsed.
struct Command {
    CLI::App* app = nullptr;
    std::function<int()> run;
};

// Runs `body`; any exception becomes "adit <name>: error: <message>" on stderr and exit 1.
int guarded(const std::string& name, const std::function<int()>& body);

// One registration function per subcommand file.
Command register_convert(CLI::App& parent, const GlobalOptions& global);
Command register_info(CLI::App& parent, const GlobalOptions& global);
Command register_prepare(CLI::App& parent, const GlobalOptions& global);
Command register_train(CLI::App& parent, const GlobalOptions& global);
Command register_sample(CLI::App& parent, const GlobalOptions& global);
Command register_eval(CLI::App& parent, const GlobalOptions& global);
Command register_match(CLI::App& parent, const GlobalOptions& global);
Command register_conformer(CLI::App& parent, const GlobalOptions& global);
Command register_draw(CLI::App& parent, const GlobalOptions& global);
Command register_compress(CLI::App& parent, const GlobalOptions& global);
Command register_pretrain(CLI::App& parent, const GlobalOptions& global);
Command register_finetune(CLI::App& parent, const GlobalOptions& global);
Command register_predict(CLI::App& parent, const GlobalOptions& global);
Command register_export(CLI::App& parent, const GlobalOptions& global);
Command register_reconstruct(CLI::App& parent, const GlobalOptions& global);

// `adit info` on a prepared dataset (.h5) or a model checkpoint (.pt): prints the summary
// (JSON when `json`) to stdout and returns the exit status. info.cpp dispatches to these.
int info_dataset(const std::string& path, bool json);
int info_model(const std::string& path, bool json);

// For commands another issue fills in: prints that it is not built yet and returns 2.
Command register_placeholder(CLI::App& parent, const std::string& name, const std::string& description);

}  // namespace adit::cli
