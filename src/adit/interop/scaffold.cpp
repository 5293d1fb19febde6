#include "adit/interop/scaffold.hpp"

#include <GraphMol/ChemTransforms/ChemTransforms.h>
#include <GraphMol/GraphMol.h>
#include <GraphMol/MolOps.h>
#include <GraphMol/PeriodicTable.h>
#include <GraphMol/SmilesParse/SmilesParse.h>
#include <GraphMol/SmilesParse/SmilesWrite.h>
#include <GraphMol/Substruct/SubstructMatch.h>
#include <openbabel/atom.h>
#include <openbabel/bond.h>
#include <openbabel/mol.h>
#include <openbabel/obconversion.h>
#include <openbabel/oberror.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <map>
#include <memory>
#include <mutex>
#include <thread>

#include "adit/core/text.hpp"

namespace adit {

namespace {

std::unique_ptr<RDKit::RWMol> parse_quietly(const std::string& smiles) {
    if (smiles.empty()) return nullptr;
    try {
        return std::unique_ptr<RDKit::RWMol>(RDKit::SmilesToMol(smiles));
    } catch (const std::exception&) {
        return nullptr;
    }
}

// Open Babel keeps global state (format plugins, perception tables): one caller at a time.
std::mutex& openbabel_mutex() {
    static std::mutex m;
    return m;
}

// Open Babel SMILES of the structure, bonds perceived unless given.
std::string openbabel_smiles(const Structure& s) {
    std::lock_guard<std::mutex> lock(openbabel_mutex());
    // The library never prints: Open Babel's warnings (e.g. from PerceiveBondOrders) would go to stderr.
    static const bool silenced = [] {
        OpenBabel::obErrorLog.StopLogging();
        return true;
    }();
    (void)silenced;
    OpenBabel::OBMol mol;
    mol.BeginModify();
    for (std::size_t i = 0; i < s.size(); ++i) {
        OpenBabel::OBAtom* a = mol.NewAtom();
        a->SetAtomicNum(s.numbers[i]);
        a->SetVector(s.positions[i].x(), s.positions[i].y(), s.positions[i].z());
        if (s.charge(i) != 0) a->SetFormalCharge(s.charge(i));
    }
    for (const Bond& b : s.bonds) mol.AddBond(b.i + 1, b.j + 1, b.order == 4 ? 5 : b.order);
    mol.EndModify();
    if (s.bonds.empty()) {
        mol.ConnectTheDots();
        mol.PerceiveBondOrders();
    }
    OpenBabel::OBConversion conv;
    if (!conv.SetOutFormat("smi")) return "";
    conv.AddOption("n", OpenBabel::OBConversion::OUTOPTIONS);  // no title after the SMILES
    std::string out = conv.WriteString(&mol, true);
    return std::string(trim(out));
}

}  // namespace

std::string canonical_smiles(const std::string& smiles) {
    auto mol = parse_quietly(smiles);
    return mol ? RDKit::MolToSmiles(*mol) : "";
}

std::vector<int> smiles_elements(const std::string& smiles) {
    auto mol = parse_quietly(smiles);
    std::vector<int> out;
    if (!mol) return out;
    for (const RDKit::Atom* a : mol->atoms()) out.push_back(a->getAtomicNum());
    std::sort(out.begin(), out.end());
    out.erase(std::unique(out.begin(), out.end()), out.end());
    return out;
}

std::vector<std::pair<int, int>> smiles_formula(const std::string& smiles) {
    auto mol = parse_quietly(smiles);
    std::map<int, int> counts;
    if (!mol) return {};
    for (const RDKit::Atom* a : mol->atoms()) {
        ++counts[a->getAtomicNum()];
        if (const unsigned h = a->getTotalNumHs()) counts[1] += static_cast<int>(h);
    }
    return {counts.begin(), counts.end()};
}

bool smiles_matches_geometry(const std::string& smiles, const Structure& molecule) {
    if (molecule.is_periodic() || molecule.size() == 0) return false;
    auto query = parse_quietly(smiles);
    if (!query) return false;
    RDKit::MolOps::addHs(*query);
    if (query->getNumAtoms() != molecule.size()) return false;
    // Connectivity of the geometry: pairs closer than 1.25 x the sum of RDKit's covalent radii
    // (the criterion of eval/conformer/prepare_qm9.py), as an RDKit graph of single bonds.
    std::vector<std::pair<int, int>> bonds;
    const RDKit::PeriodicTable* table = RDKit::PeriodicTable::getTable();
    for (std::size_t i = 0; i < molecule.size(); ++i)
        for (std::size_t j = i + 1; j < molecule.size(); ++j) {
            const double cutoff = 1.25 * (table->getRcovalent(static_cast<unsigned>(molecule.numbers[i])) +
                                          table->getRcovalent(static_cast<unsigned>(molecule.numbers[j])));
            if ((molecule.positions[i] - molecule.positions[j]).norm() < cutoff)
                bonds.emplace_back(static_cast<int>(i), static_cast<int>(j));
        }
    if (bonds.size() != query->getNumBonds()) return false;
    RDKit::RWMol target;
    for (int z : molecule.numbers) target.addAtom(new RDKit::Atom(z), true, true);
    for (const auto& [i, j] : bonds) target.addBond(static_cast<unsigned>(i), static_cast<unsigned>(j), RDKit::Bond::SINGLE);
    // The SMILES graph as a fresh molecule of the same kind: elements and single bonds only (an
    // edited copy of the sanitised molecule keeps ring and valence state that makes RDKit's atom
    // matching refuse many true pairs).
    RDKit::RWMol graph;
    for (const RDKit::Atom* a : query->atoms()) {
        auto* atom = new RDKit::Atom(a->getAtomicNum());
        atom->setNoImplicit(true);
        graph.addAtom(atom, true, true);
    }
    for (const RDKit::Bond* b : query->bonds()) graph.addBond(b->getBeginAtomIdx(), b->getEndAtomIdx(), RDKit::Bond::SINGLE);
    for (RDKit::Atom* a : target.atoms()) a->setNoImplicit(true);
    RDKit::MolOps::fastFindRings(target);
    RDKit::MolOps::fastFindRings(graph);
    RDKit::MatchVectType match;
    return RDKit::SubstructMatch(target, graph, match);  // same atom and bond counts: an isomorphism
}

std::string murcko_scaffold(const std::string& smiles) {
    auto mol = parse_quietly(smiles);
    if (!mol) return "";
    std::unique_ptr<RDKit::ROMol> scaffold(RDKit::MurckoDecompose(*mol));
    if (!scaffold || scaffold->getNumAtoms() == 0) return "";
    // As rdkit.Chem.Scaffolds.MurckoScaffold.GetScaffoldForMol: recompute properties first.
    scaffold->clearComputedProps();
    scaffold->updatePropertyCache(false);
    RDKit::MolOps::findSSSR(*scaffold);
    return RDKit::MolToSmiles(*scaffold, /*doIsomericSmiles=*/false);
}

namespace {

std::string canonical_checked(const std::string& ob_smiles, std::size_t atoms) {
    auto mol = parse_quietly(ob_smiles);
    if (!mol) return "";
    // Atom count with hydrogens must match the geometry, else the perception invented or lost atoms.
    // Radicals mean the perception could not close every valence (a missing hydrogen, an
    // unusual geometry); the datasets we prepare hold closed-shell molecules, so say unknown.
    std::size_t total = mol->getNumAtoms();
    for (const RDKit::Atom* a : mol->atoms()) {
        if (a->getNumRadicalElectrons() > 0) return "";
        total += a->getTotalNumHs();
    }
    if (total != atoms) return "";
    return RDKit::MolToSmiles(*mol);
}

}  // namespace

std::string smiles_from_geometry(const Structure& molecule) {
    if (molecule.is_periodic() || molecule.size() == 0) return "";
    return canonical_checked(openbabel_smiles(molecule), molecule.size());
}

std::vector<std::string> smiles_from_geometry_batch(const std::vector<Structure>& molecules, int threads,
                                                    const ProgressCallback& progress) {
    const std::size_t n = molecules.size();
    std::vector<std::string> out(n);
    std::atomic<std::size_t> next{0}, done{0};
    auto work = [&] {
        for (std::size_t i = next++; i < n; i = next++) {
            out[i] = smiles_from_geometry(molecules[i]);
            ++done;
        }
    };
    const unsigned hw = std::max(1u, std::thread::hardware_concurrency());
    const unsigned count = std::min<unsigned>(threads > 0 ? static_cast<unsigned>(threads) : hw,
                                              static_cast<unsigned>(std::max<std::size_t>(1, n)));
    std::vector<std::thread> pool;
    for (unsigned t = 0; t < count; ++t) pool.emplace_back(work);
    if (progress)
        while (done < n) {
            progress(done, n, "perceiving bonds for SMILES");
            std::this_thread::sleep_for(std::chrono::milliseconds(500));
        }
    for (std::thread& t : pool) t.join();
    if (progress) progress(n, n, "perceiving bonds for SMILES");
    return out;
}

}  // namespace adit
