#include "adit/interop/smiles_graph.hpp"

#include <GraphMol/MolOps.h>
#include <GraphMol/RWMol.h>
#include <GraphMol/SmilesParse/SmilesParse.h>
#include <RDGeneral/RDLog.h>

#include <deque>
#include <mutex>

#include "adit/core/error.hpp"
#include "adit/core/text.hpp"
#include "adit/interop/rdkit_common.hpp"
#include "adit/io/text_file.hpp"

namespace adit::interop {

namespace detail {

void silence_rdkit_logs() {
    static std::once_flag once;
    std::call_once(once, [] { boost::logging::disable_logs("rdApp.*"); });
}

std::unique_ptr<RDKit::RWMol> molecule_from_smiles(const std::string& smiles) {
    silence_rdkit_logs();  // RDKit would print its own parse errors to stderr
    std::unique_ptr<RDKit::RWMol> mol;
    try {
        mol.reset(RDKit::SmilesToMol(smiles));
    } catch (const std::exception& e) {
        fail("cannot parse SMILES '{}': {}", smiles, e.what());
    }
    if (!mol) fail("cannot parse SMILES '{}'", smiles);
    if (mol->getNumAtoms() == 0) fail("SMILES '{}' has no atoms", smiles);
    RDKit::MolOps::addHs(*mol);
    return mol;
}

int bond_code(const RDKit::Bond& bond) {
    if (bond.getIsAromatic()) return 4;
    switch (bond.getBondType()) {
        case RDKit::Bond::SINGLE: return 1;
        case RDKit::Bond::DOUBLE: return 2;
        case RDKit::Bond::TRIPLE: return 3;
        case RDKit::Bond::AROMATIC: return 4;
        default: return 0;
    }
}

}  // namespace detail

namespace {

int hybridization_code(RDKit::Atom::HybridizationType h) {
    switch (h) {
        case RDKit::Atom::SP: return 1;
        case RDKit::Atom::SP2: return 2;
        case RDKit::Atom::SP3: return 3;
        case RDKit::Atom::SP3D: return 4;
        case RDKit::Atom::SP3D2: return 5;
        default: return 0;
    }
}

int chirality_code(RDKit::Atom::ChiralType c) {
    switch (c) {
        case RDKit::Atom::CHI_TETRAHEDRAL_CW: return 1;
        case RDKit::Atom::CHI_TETRAHEDRAL_CCW: return 2;
        default: return 0;
    }
}

}  // namespace

MolecularGraph smiles_graph(const std::string& smiles) {
    auto mol = detail::molecule_from_smiles(smiles);
    MolecularGraph g;
    g.smiles = smiles;
    const std::size_t n = mol->getNumAtoms();
    for (std::size_t i = 0; i < n; ++i) {
        const RDKit::Atom* a = mol->getAtomWithIdx(static_cast<unsigned>(i));
        g.numbers.push_back(a->getAtomicNum());
        g.charges.push_back(a->getFormalCharge());
        g.aromatic.push_back(a->getIsAromatic() ? 1 : 0);
        g.hybridization.push_back(hybridization_code(a->getHybridization()));
        g.in_ring.push_back(mol->getRingInfo()->numAtomRings(a->getIdx()) > 0 ? 1 : 0);
        g.degree.push_back(static_cast<int>(a->getDegree()));
        g.num_hydrogens.push_back(static_cast<int>(a->getTotalNumHs(true)));
        g.chirality.push_back(chirality_code(a->getChiralTag()));
    }
    g.bond_types.assign(n * n, 0);
    std::vector<std::vector<int>> neighbours(n);
    for (const RDKit::Bond* b : mol->bonds()) {
        const int i = static_cast<int>(b->getBeginAtomIdx()), j = static_cast<int>(b->getEndAtomIdx());
        const int code = detail::bond_code(*b);
        g.bonds.push_back({i, j, code});
        g.bond_types[i * n + j] = g.bond_types[j * n + i] = code;
        neighbours[i].push_back(j);
        neighbours[j].push_back(i);
    }
    // Shortest-path hops: one breadth-first search per atom (molecules are small and sparse).
    g.hops.assign(n * n, -1);
    for (std::size_t s = 0; s < n; ++s) {
        std::deque<int> queue{static_cast<int>(s)};
        g.hops[s * n + s] = 0;
        while (!queue.empty()) {
            const int u = queue.front();
            queue.pop_front();
            for (int v : neighbours[u])
                if (g.hops[s * n + v] < 0) {
                    g.hops[s * n + v] = g.hops[s * n + u] + 1;
                    queue.push_back(v);
                }
        }
    }
    return g;
}

Structure graph_structure(const MolecularGraph& graph) {
    // Kekulé bond orders for the SDF (aromatic code 4 is for the model's features only).
    auto mol = detail::molecule_from_smiles(graph.smiles);
    RDKit::MolOps::Kekulize(*mol, true);
    Structure s;
    s.numbers = graph.numbers;
    s.charges = graph.charges;
    s.positions.assign(graph.size(), Eigen::Vector3d::Zero());
    for (const RDKit::Bond* b : mol->bonds())
        s.bonds.push_back({static_cast<int>(b->getBeginAtomIdx()), static_cast<int>(b->getEndAtomIdx()),
                           detail::bond_code(*b)});
    s.properties.set("smiles", graph.smiles);
    return s;
}

std::vector<SmilesLine> read_smiles_lines(const std::string& path) {
    const std::string text = read_text_file(path);
    std::vector<SmilesLine> out;
    std::size_t line_no = 0, pos = 0;
    while (pos < text.size()) {
        std::size_t end = text.find('\n', pos);
        if (end == std::string::npos) end = text.size();
        ++line_no;
        const std::string line(trim(std::string_view(text).substr(pos, end - pos)));
        pos = end + 1;
        if (line.empty() || line[0] == '#') continue;
        SmilesLine rec;
        rec.line = line_no;
        const std::size_t ws = line.find_first_of(" \t");
        rec.smiles = line.substr(0, ws);
        if (ws != std::string::npos) rec.name = trim(std::string_view(line).substr(ws));
        out.push_back(std::move(rec));
    }
    return out;
}

ParsedSmilesFile parse_smiles_file(const std::string& path) {
    ParsedSmilesFile out;
    for (SmilesLine& line : read_smiles_lines(path)) {
        try {
            out.graphs.push_back(smiles_graph(line.smiles));
            out.lines.push_back(std::move(line));
        } catch (const Error& e) {
            out.errors.push_back(ParseError(path, line.line, e.what()).what());
        }
    }
    return out;
}

}  // namespace adit::interop
