// adit info MODEL.pt [--json]: architecture and parameter counts (attention / mlp / other) of a
// VAE or DiT checkpoint, so that MASA's saving is visible.
#include <fmt/format.h>

#include <iostream>
#include <nlohmann/json.hpp>

#include "adit/models/checkpoint.hpp"
#include "command.hpp"

namespace adit::cli {

namespace {

void print_counts(const std::string& label, const nlohmann::json& p) {
    std::cout << fmt::format("{:<10} attention {:>12}  mlp {:>12}  other {:>12}  total {:>12}\n", label,
                             p["attention"].get<long long>(), p["mlp"].get<long long>(), p["other"].get<long long>(),
                             p["total"].get<long long>());
}

void print_model(const nlohmann::json& m) {
    std::cout << fmt::format("  width {}, {} heads, {} layers, attention {}", m.value("d_model", 0), m.value("num_heads", 0),
                             m.value("num_layers", 0), m.value("attention", std::string("standard")));
    if (m.value("attention", std::string()) == "masa") std::cout << fmt::format(" (S = {} shared atoms)", m.value("masa_atoms", 0));
    std::cout << fmt::format(", latent dim {}\n", m.value("latent_dim", 0));
}

}  // namespace

int info_model(const std::string& path, bool json) {
    auto d = models::describe_checkpoint(path);
    if (json) {
        std::cout << d.dump(2) << "\n";
        return 0;
    }
    std::cout << fmt::format("{}: adit {} checkpoint (format {}), step {}\n", path, d["kind"].get<std::string>(),
                             d["format_version"].get<int>(), d["step"].get<long long>());
    print_model(d["model"]);
    print_counts(d["kind"].get<std::string>(), d["parameters"]);
    if (d.contains("vae")) {
        if (d["vae"].contains("file"))
            std::cout << fmt::format("VAE: the release {} in the same folder (SHA-256 checked)\n",
                                     d["vae"]["file"].value("name", "?"));
        else
            std::cout << (d["vae"].value("decoder_only", false) ? "embedded VAE (decoder only: a sampling-only release):\n"
                                                                : "embedded VAE:\n");
        print_model(d["vae"]["model"]);
        print_counts("vae", d["vae"]["parameters"]);
    }
    return 0;
}

}  // namespace adit::cli
