// adit info on prepared datasets: placeholder until its issue fills it in.
#include <stdexcept>

#include "command.hpp"

namespace adit::cli {

int info_dataset(const std::string& path, bool) {
    throw std::runtime_error(path + ": summaries of prepared datasets are not built yet in this version");
}

}  // namespace adit::cli
