// Where the models shipped in the repository's models/ folder are found when a command is given
// no --model (`adit sample`, `adit conformer`, `adit predict`).
#pragma once

#include <string>
#include <vector>

namespace adit {

// Folders searched, in order: $ADIT_MODELS; <folder of the adit executable>/../share/adit/models
// (an installed copy); the models/ folder of the source tree adit was built from.
std::vector<std::string> shipped_model_folders();

// The path of `file_name` (e.g. "conformer-qm9.pt") in the first folder that has it; an
// adit::Error naming every folder searched and the --model option otherwise.
std::string shipped_model_path(const std::string& file_name);

}  // namespace adit
