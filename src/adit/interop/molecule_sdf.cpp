#include "adit/interop/molecule_sdf.hpp"

#include <GraphMol/Conformer.h>
#include <GraphMol/FileParsers/FileParsers.h>
#include <GraphMol/RWMol.h>
#include <RDGeneral/RDLog.h>

#include <sstream>

#include "adit/core/error.hpp"
#include "adit/core/text.hpp"
#include "adit/interop/rdkit_common.hpp"
#include "adit/io/text_file.hpp"

namespace adit::interop {

namespace {

struct Record {
    std::size_t first_line = 0;  // 1-based
    std::string molblock;        // up to and including "M  END"
    std::vector<std::pair<std::string, std::string>> data;
};

// Splits SDF text into records at "$$$$" lines and separates each data item ("> <name>"
// followed by value lines up to a blank line) from the molblock.
std::vector<Record> split_records(const std::string& text) {
    std::vector<Record> out;
    Record cur;
    bool in_block = true, started = false;
    std::string* value = nullptr;
    std::size_t line_no = 0, pos = 0;
    while (pos < text.size()) {
        std::size_t end = text.find('\n', pos);
        if (end == std::string::npos) end = text.size();
        std::string line = text.substr(pos, end - pos);
        if (!line.empty() && line.back() == '\r') line.pop_back();
        pos = end + 1;
        ++line_no;
        if (!started) {
            cur.first_line = line_no;
            started = true;
        }
        if (line.rfind("$$$$", 0) == 0) {
            out.push_back(std::move(cur));
            cur = Record{};
            in_block = true;
            started = false;
            value = nullptr;
            continue;
        }
        if (in_block) {
            cur.molblock += line + "\n";
            if (line.rfind("M  END", 0) == 0) in_block = false;
            continue;
        }
        if (!line.empty() && line[0] == '>') {
            const std::size_t a = line.find('<'), b = line.rfind('>');
            std::string name = (a != std::string::npos && b != std::string::npos && b > a) ? line.substr(a + 1, b - a - 1) : "";
            cur.data.emplace_back(name, "");
            value = &cur.data.back().second;
        } else if (value && !line.empty()) {
            if (!value->empty()) *value += "\n";
            *value += line;
        } else {
            value = nullptr;
        }
    }
    if (started && std::string(trim(cur.molblock)).size() > 0) out.push_back(std::move(cur));
    return out;
}

}  // namespace

std::vector<Structure> read_molecule_sdf(const std::string& path) {
    detail::silence_rdkit_logs();
    const std::string text = read_text_file(path);
    std::vector<Structure> out;
    std::size_t index = 0;
    for (const Record& rec : split_records(text)) {
        ++index;
        std::unique_ptr<RDKit::RWMol> mol;
        try {
            mol.reset(RDKit::MolBlockToMol(rec.molblock, /*sanitize=*/false, /*removeHs=*/false, /*strict=*/true));
        } catch (const std::exception& e) {
            fail_parse(path, rec.first_line, "SDF record {}: {}", index, e.what());
        }
        if (!mol) fail_parse(path, rec.first_line, "SDF record {}: not a valid molblock", index);
        if (mol->getNumConformers() == 0) fail_parse(path, rec.first_line, "SDF record {}: no coordinates", index);
        Structure s;
        mol->getPropIfPresent("_Name", s.id);
        const RDKit::Conformer& conf = mol->getConformer();
        bool charged = false;
        for (const RDKit::Atom* a : mol->atoms()) {
            s.numbers.push_back(a->getAtomicNum());
            s.charges.push_back(a->getFormalCharge());
            charged |= a->getFormalCharge() != 0;
            const RDGeom::Point3D& p = conf.getAtomPos(a->getIdx());
            s.positions.emplace_back(p.x, p.y, p.z);
        }
        if (!charged) s.charges.clear();
        for (const RDKit::Bond* b : mol->bonds()) {
            int order = 1;
            switch (b->getBondType()) {
                case RDKit::Bond::DOUBLE: order = 2; break;
                case RDKit::Bond::TRIPLE: order = 3; break;
                case RDKit::Bond::AROMATIC: order = 4; break;
                default: order = 1;
            }
            s.bonds.push_back({static_cast<int>(b->getBeginAtomIdx()), static_cast<int>(b->getEndAtomIdx()), order});
        }
        for (const auto& [key, value] : rec.data) s.properties.set(key, value);
        out.push_back(std::move(s));
    }
    return out;
}

std::string molecule_sdf_record(const Structure& s) {
    RDKit::RWMol mol;
    for (std::size_t i = 0; i < s.size(); ++i) {
        auto* atom = new RDKit::Atom(s.numbers[i]);
        atom->setFormalCharge(s.charge(i));
        atom->setNoImplicit(true);  // every hydrogen is an explicit atom
        mol.addAtom(atom, false, true);
    }
    for (const Bond& b : s.bonds) {
        RDKit::Bond::BondType type = RDKit::Bond::SINGLE;
        if (b.order == 2) type = RDKit::Bond::DOUBLE;
        if (b.order == 3) type = RDKit::Bond::TRIPLE;
        if (b.order == 4) type = RDKit::Bond::AROMATIC;
        mol.addBond(static_cast<unsigned>(b.i), static_cast<unsigned>(b.j), type);
    }
    auto* conf = new RDKit::Conformer(static_cast<unsigned>(s.size()));
    for (std::size_t i = 0; i < s.size(); ++i)
        conf->setAtomPos(static_cast<unsigned>(i), RDGeom::Point3D(s.positions[i].x(), s.positions[i].y(), s.positions[i].z()));
    conf->set3D(true);
    mol.addConformer(conf, true);
    mol.updatePropertyCache(false);
    mol.setProp("_Name", s.id);
    std::ostringstream out;
    out << RDKit::MolToMolBlock(mol, /*includeStereo=*/false, -1, /*kekulize=*/false, /*forceV3000=*/s.size() > 999);
    for (const auto& [key, value] : s.properties) {
        out << "> <" << key << ">\n";
        if (const auto* text = std::get_if<std::string>(&value))
            out << *text << "\n\n";
        else
            out << fmt::format("{}", std::get<double>(value)) << "\n\n";
    }
    out << "$$$$\n";
    return out.str();
}

}  // namespace adit::interop
