// The Structure <-> RDKit::RWMol conversion lives here and nowhere else.
#include "adit/interop/rdkit_molecule.hpp"

#include <GraphMol/Conformer.h>
#include <GraphMol/FileParsers/FileParsers.h>
#include <GraphMol/MolOps.h>
#include <GraphMol/RWMol.h>
#include <RDGeneral/RDLog.h>
#include <fmt/format.h>
#include <fmt/ostream.h>

#include <memory>
#include <string_view>

#include "adit/core/elements.hpp"
#include "adit/core/error.hpp"
#include "adit/core/text.hpp"
#include "adit/io/line_reader.hpp"

namespace adit {

namespace {

// RDKit reports parse problems on its own log as well as in the exception; keep stderr for
// our message while we parse.
class QuietRdkitLogs {
public:
    QuietRdkitLogs() { boost::logging::disable_logs("rdApp.error"); }
    ~QuietRdkitLogs() { boost::logging::enable_logs("rdApp.error"); }
    QuietRdkitLogs(const QuietRdkitLogs&) = delete;
    QuietRdkitLogs& operator=(const QuietRdkitLogs&) = delete;
};

int bond_order(RDKit::Bond::BondType type) {
    switch (type) {
        case RDKit::Bond::DOUBLE: return 2;
        case RDKit::Bond::TRIPLE: return 3;
        case RDKit::Bond::AROMATIC: return 4;
        default: return 1;
    }
}

RDKit::Bond::BondType bond_type(int order) {
    switch (order) {
        case 2: return RDKit::Bond::DOUBLE;
        case 3: return RDKit::Bond::TRIPLE;
        case 4: return RDKit::Bond::AROMATIC;
        default: return RDKit::Bond::SINGLE;
    }
}

// An RDKit molecule as a Structure (throws adit::Error for atoms that are not elements).
Structure structure_from_rdkit(const RDKit::ROMol& mol) {
    Structure s;
    mol.getPropIfPresent(RDKit::common_properties::_Name, s.id);
    if (mol.getNumConformers() == 0) fail("the molecule has no coordinates");
    const RDKit::Conformer& conf = mol.getConformer();
    bool any_charge = false;
    for (const RDKit::Atom* atom : mol.atoms()) {
        const int z = atom->getAtomicNum();
        if (!is_known_element(z)) fail("atom {} ('{}') is not an element", atom->getIdx() + 1, atom->getSymbol());
        s.numbers.push_back(z);
        const RDGeom::Point3D& p = conf.getAtomPos(atom->getIdx());
        s.positions.emplace_back(p.x, p.y, p.z);
        s.charges.push_back(atom->getFormalCharge());
        any_charge = any_charge || atom->getFormalCharge() != 0;
    }
    if (!any_charge) s.charges.clear();
    for (const RDKit::Bond* bond : mol.bonds())
        s.bonds.push_back({static_cast<int>(bond->getBeginAtomIdx()), static_cast<int>(bond->getEndAtomIdx()),
                           bond_order(bond->getBondType())});
    return s;
}

// A Structure as an RDKit molecule with one conformer; aromatic bonds are flagged, not kekulized.
std::unique_ptr<RDKit::RWMol> structure_to_rdkit(const Structure& s) {
    auto mol = std::make_unique<RDKit::RWMol>();
    for (std::size_t i = 0; i < s.size(); ++i) {
        auto atom = std::make_unique<RDKit::Atom>(s.numbers[i]);
        atom->setFormalCharge(s.charge(i));
        atom->setNoImplicit(true);  // every atom of a 3D structure is explicit
        mol->addAtom(atom.release(), false, true);
    }
    for (const Bond& b : s.bonds) {
        mol->addBond(static_cast<unsigned>(b.i), static_cast<unsigned>(b.j), bond_type(b.order));
        if (b.order == 4) {
            RDKit::Bond* bond = mol->getBondBetweenAtoms(b.i, b.j);
            bond->setIsAromatic(true);
            bond->getBeginAtom()->setIsAromatic(true);
            bond->getEndAtom()->setIsAromatic(true);
        }
    }
    auto conf = std::make_unique<RDKit::Conformer>(s.size());
    for (std::size_t i = 0; i < s.size(); ++i)
        conf->setAtomPos(i, RDGeom::Point3D(s.positions[i].x(), s.positions[i].y(), s.positions[i].z()));
    conf->set3D(true);
    mol->addConformer(conf.release(), true);
    std::string title = s.id;  // the molblock title is one line
    for (char& ch : title)
        if (ch == '\n' || ch == '\r') ch = ' ';
    mol->setProp(RDKit::common_properties::_Name, title);
    mol->updatePropertyCache(false);
    RDKit::MolOps::fastFindRings(*mol);
    return mol;
}

struct SdfRecord {
    std::string molblock;
    std::vector<std::pair<std::string, std::string>> data;  // SD data items in file order
    std::size_t line = 0;                                   // first line of the record
};

// Splits SDF text at "$$$$" lines and separates each record's molblock from its data items.
std::vector<SdfRecord> split_records(const std::string& text, const std::string& path) {
    std::vector<SdfRecord> records;
    LineReader lines(text);
    std::string_view line;
    while (!lines.at_end()) {
        SdfRecord r;
        bool in_molblock = true, any = false, terminated = false;
        std::string* value = nullptr;  // the data item being read
        bool value_started = false;
        while (lines.next(line)) {
            if (r.line == 0) r.line = lines.line_number();
            if (line.substr(0, 4) == "$$$$") {
                terminated = true;
                break;
            }
            any = any || !trim(line).empty();
            if (in_molblock) {
                r.molblock.append(line).append("\n");
                if (line.substr(0, 6) == "M  END") in_molblock = false;
            } else if (!line.empty() && line[0] == '>') {
                const auto open = line.find('<');
                const auto close = open == std::string_view::npos ? open : line.find('>', open);
                std::string name = open != std::string_view::npos && close > open
                                       ? std::string(line.substr(open + 1, close - open - 1))
                                       : std::string(trim(line.substr(1)));
                r.data.emplace_back(name, "");
                value = &r.data.back().second;
                value_started = false;
            } else if (value != nullptr && !trim(line).empty()) {
                if (value_started) *value += '\n';
                value->append(line);
                value_started = true;
            } else if (trim(line).empty()) {
                value = nullptr;
            }
        }
        if (!any) {
            if (terminated) fail_parse(path, r.line, "record {} is empty", records.size() + 1);
            break;  // blank lines at the end of the file
        }
        if (in_molblock)
            fail_parse(path, r.line, "record {} has no 'M  END' line (truncated file?)", records.size() + 1);
        records.push_back(std::move(r));
    }
    return records;
}

}  // namespace

std::vector<Structure> read_sdf(const std::string& text, const std::string& path) {
    check_text_input(text, path);
    const std::vector<SdfRecord> records = split_records(text, path);
    if (records.empty()) fail_parse(path, 0, "no SDF records");
    QuietRdkitLogs quiet;
    std::vector<Structure> out;
    for (std::size_t k = 0; k < records.size(); ++k) {
        const SdfRecord& r = records[k];
        try {
            std::unique_ptr<RDKit::RWMol> mol(RDKit::MolBlockToMol(r.molblock, false, false, true));
            if (!mol) fail("RDKit could not read the molblock");
            Structure s = structure_from_rdkit(*mol);
            for (const auto& [name, value] : r.data) {
                if (const auto number = parse_double(value)) s.properties.set(name, *number);
                else s.properties.set(name, value);
            }
            s.validate();
            out.push_back(std::move(s));
        } catch (const ParseError&) {
            throw;
        } catch (const std::exception& e) {
            fail_parse(path, r.line, "record {}: {}", k + 1, trim(e.what()));
        }
    }
    return out;
}

void write_sdf(std::ostream& out, const std::vector<Structure>& structures) {
    for (const Structure& s : structures) {
        if (s.lattice) fail("structure '{}' is periodic: SDF has no cell (write CIF or extended XYZ)", s.id);
        s.validate();
        std::unique_ptr<RDKit::RWMol> mol = structure_to_rdkit(s);
        out << RDKit::MolToMolBlock(*mol, false, -1, false);
        for (const auto& [key, value] : s.properties) {
            const std::string text =
                std::holds_alternative<double>(value) ? fmt::format("{}", std::get<double>(value)) : std::get<std::string>(value);
            fmt::print(out, ">  <{}>\n{}\n\n", key, text);
        }
        out << "$$$$\n";
    }
}

}  // namespace adit
