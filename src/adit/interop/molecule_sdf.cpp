#include "adit/interop/molecule_sdf.hpp"

#include <sstream>

#include "adit/interop/rdkit_molecule.hpp"
#include "adit/io/text_file.hpp"

namespace adit::interop {

// Both forward to the one SDF implementation (rdkit_molecule.cpp), which keeps every atom in
// file order, unsanitised, and names the record in its errors.
std::vector<Structure> read_molecule_sdf(const std::string& path) { return read_sdf(read_text_file(path), path); }

std::string molecule_sdf_record(const Structure& s) {
    std::ostringstream out;
    write_sdf(out, {s});
    return out.str();
}

}  // namespace adit::interop
