#include "command.hpp"

#include <exception>
#include <iostream>

namespace adit::cli {

int guarded(const std::string& name, const std::function<int()>& body) {
    try {
        return body();
    } catch (const std::exception& e) {
        std::cerr << "adit " << name << ": error: " << e.what() << "\n";
        return 1;
    }
}

Command register_placeholder(CLI::App& parent, const std::string& name, const std::string& description) {
    CLI::App* sub = parent.add_subcommand(name, description + " (not built yet)");
    sub->allow_extras();
    return {sub, [name] {
                std::cerr << "adit " << name << ": not built yet in this version\n";
                return 2;
            }};
}

}  // namespace adit::cli
