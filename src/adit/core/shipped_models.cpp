#include "adit/core/shipped_models.hpp"

#include <unistd.h>

#include <cstdlib>
#include <filesystem>

#include "adit/core/error.hpp"

namespace adit {

namespace fs = std::filesystem;

namespace {

std::string executable_folder() {
    std::error_code ec;
    const fs::path exe = fs::read_symlink("/proc/self/exe", ec);
    return ec ? std::string() : exe.parent_path().string();
}

}  // namespace

std::vector<std::string> shipped_model_folders() {
    std::vector<std::string> folders;
    if (const char* env = std::getenv("ADIT_MODELS"); env && *env) folders.emplace_back(env);
    if (const std::string exe = executable_folder(); !exe.empty())
        folders.push_back((fs::path(exe) / ".." / "share" / "adit" / "models").lexically_normal().string());
    folders.emplace_back(ADIT_SOURCE_MODELS);
    return folders;
}

std::string shipped_model_path(const std::string& file_name) {
    std::string searched;
    for (const std::string& folder : shipped_model_folders()) {
        const fs::path candidate = fs::path(folder) / file_name;
        std::error_code ec;
        if (fs::is_regular_file(candidate, ec)) return candidate.string();
        searched += (searched.empty() ? "" : ", ") + folder;
    }
    fail("no shipped model '{}' (searched {}); give one with --model", file_name, searched);
}

}  // namespace adit
