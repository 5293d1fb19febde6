#include <catch2/catch.hpp>

#include <cstdlib>
#include <filesystem>
#include <fstream>

#include <unistd.h>

#include "adit/core/error.hpp"
#include "adit/core/shipped_models.hpp"

namespace fs = std::filesystem;

TEST_CASE("shipped models: $ADIT_MODELS is searched first, a missing model names every folder") {
    const fs::path dir = fs::temp_directory_path() / ("adit_models_" + std::to_string(::getpid()));
    fs::create_directories(dir);
    std::ofstream(dir / "tiny.pt") << "x";
    ::setenv("ADIT_MODELS", dir.c_str(), 1);

    CHECK(adit::shipped_model_path("tiny.pt") == (dir / "tiny.pt").string());
    const auto folders = adit::shipped_model_folders();
    REQUIRE(folders.size() == 3);
    CHECK(folders.front() == dir.string());
    try {
        adit::shipped_model_path("absent.pt");
        FAIL("no error for a missing model");
    } catch (const adit::Error& e) {
        const std::string what = e.what();
        CHECK(what.find("absent.pt") != std::string::npos);
        CHECK(what.find(dir.string()) != std::string::npos);
        CHECK(what.find("--model") != std::string::npos);
    }
    ::unsetenv("ADIT_MODELS");
    fs::remove_all(dir);
}
