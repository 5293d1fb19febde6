// adit info on model checkpoints: placeholder until its issue fills it in.
#include <stdexcept>

#include "command.hpp"

namespace adit::cli {

int info_model(const std::string& path, bool) {
    throw std::runtime_error(path + ": summaries of model checkpoints are not built yet in this version");
}

}  // namespace adit::cli
