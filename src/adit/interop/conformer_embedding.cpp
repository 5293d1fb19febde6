#include "adit/interop/conformer_embedding.hpp"
#include "adit/interop/rdkit_common.hpp"

#include <GraphMol/DistGeomHelpers/Embedder.h>
#include <GraphMol/ForceFieldHelpers/MMFF/MMFF.h>
#include <GraphMol/Conformer.h>
#include <GraphMol/GraphMol.h>
#include <GraphMol/MolOps.h>
#include <GraphMol/SmilesParse/SmilesParse.h>
#include <GraphMol/SmilesParse/SmilesWrite.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <memory>
#include <thread>

#include "adit/core/error.hpp"
#include "adit/interop/openbabel_bonds.hpp"

namespace adit {

namespace {

// RDKit takes a non-negative int seed; mix (seed, index) so neighbouring molecules get
// unrelated streams (SplitMix64 finaliser).
int molecule_seed(std::uint64_t seed, std::uint64_t index) {
    std::uint64_t z = seed * 0x9E3779B97F4A7C15ULL + index + 0x632BE59BD9B4E019ULL;
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    z ^= z >> 31;
    return static_cast<int>(z & 0x7fffffffULL);
}

int bond_order(const RDKit::Bond& b) {
    switch (b.getBondType()) {
        case RDKit::Bond::DOUBLE: return 2;
        case RDKit::Bond::TRIPLE: return 3;
        case RDKit::Bond::AROMATIC: return 4;
        default: return 1;
    }
}

// Puts Open Babel builder coordinates onto the RDKit molecule (atoms: SMILES order, then the
// hydrogens AddHs appended). Heavy atoms pair up in order; each heavy atom's hydrogens pair up
// with the Open Babel hydrogens on the same heavy atom (they are interchangeable). Returns the
// conformer id, or -1 if the two toolkits disagree on the atoms.
int place_openbabel_coordinates(RDKit::RWMol& mol, const std::string& smiles, unsigned seed) {
    const interop::OpenBabelBuild built = interop::openbabel_build_3d(smiles, seed);
    std::vector<int> heavy_ob, heavy_rank_ob(built.numbers.size(), -1);
    for (std::size_t i = 0; i < built.numbers.size(); ++i)
        if (built.parent[i] < 0) {
            heavy_rank_ob[i] = static_cast<int>(heavy_ob.size());
            heavy_ob.push_back(static_cast<int>(i));
        }
    std::vector<std::vector<int>> hydrogens_ob(heavy_ob.size());
    for (std::size_t i = 0; i < built.numbers.size(); ++i)
        if (built.parent[i] >= 0) {
            const int rank = heavy_rank_ob[static_cast<std::size_t>(built.parent[i])];
            if (rank < 0) return -1;
            hydrogens_ob[static_cast<std::size_t>(rank)].push_back(static_cast<int>(i));
        }
    if (built.numbers.size() != mol.getNumAtoms()) return -1;
    auto hydrogen_parent = [&](const RDKit::Atom* a) -> int {
        if (a->getAtomicNum() != 1 || a->getDegree() != 1) return -1;
        const RDKit::Atom* n = mol[*mol.getAtomNeighbors(a).first];
        return n->getAtomicNum() == 1 ? -1 : static_cast<int>(n->getIdx());
    };
    std::vector<int> heavy_rank(mol.getNumAtoms(), -1), source(mol.getNumAtoms(), -1);
    int rank = 0;
    for (const RDKit::Atom* a : mol.atoms()) {
        if (hydrogen_parent(a) >= 0) continue;
        if (rank >= static_cast<int>(heavy_ob.size()) ||
            built.numbers[static_cast<std::size_t>(heavy_ob[static_cast<std::size_t>(rank)])] != a->getAtomicNum())
            return -1;
        heavy_rank[a->getIdx()] = rank;
        source[a->getIdx()] = heavy_ob[static_cast<std::size_t>(rank)];
        ++rank;
    }
    if (rank != static_cast<int>(heavy_ob.size())) return -1;
    std::vector<std::size_t> used(heavy_ob.size(), 0);
    for (const RDKit::Atom* a : mol.atoms()) {
        const int parent = hydrogen_parent(a);
        if (parent < 0) continue;
        const int parent_rank = heavy_rank[static_cast<std::size_t>(parent)];
        if (parent_rank < 0) return -1;
        auto& list = hydrogens_ob[static_cast<std::size_t>(parent_rank)];
        std::size_t& k = used[static_cast<std::size_t>(parent_rank)];
        if (k >= list.size()) return -1;
        source[a->getIdx()] = list[k++];
    }
    for (std::size_t r = 0; r < used.size(); ++r)
        if (used[r] != hydrogens_ob[r].size()) return -1;
    auto* conf = new RDKit::Conformer(mol.getNumAtoms());
    for (unsigned i = 0; i < mol.getNumAtoms(); ++i) {
        const Eigen::Vector3d& p = built.positions[static_cast<std::size_t>(source[i])];
        conf->setAtomPos(i, RDGeom::Point3D(p.x(), p.y(), p.z()));
    }
    conf->set3D(true);
    return static_cast<int>(mol.addConformer(conf, true));
}

// True unless the SMILES specifies a stereocentre or double-bond configuration that the 3D
// geometry of conformer `conf` contradicts (CIP labels compared). ETKDG enforces the specified
// stereo itself; the Open Babel fallback is checked with this.
bool specified_stereo_kept(const RDKit::RWMol& mol, int conf) {
    RDKit::RWMol wanted(mol);
    RDKit::MolOps::assignStereochemistry(wanted, true, true);
    bool any = false;
    for (const RDKit::Atom* a : wanted.atoms()) any = any || a->getChiralTag() != RDKit::Atom::CHI_UNSPECIFIED;
    for (const RDKit::Bond* b : wanted.bonds()) any = any || b->getStereo() > RDKit::Bond::STEREOANY;
    if (!any) return true;
    RDKit::RWMol perceived(mol, false, conf);
    RDKit::MolOps::assignStereochemistryFrom3D(perceived, conf);
    for (const RDKit::Atom* a : wanted.atoms()) {
        if (a->getChiralTag() == RDKit::Atom::CHI_UNSPECIFIED) continue;
        std::string want, got;
        if (!a->getPropIfPresent(RDKit::common_properties::_CIPCode, want)) continue;
        perceived.getAtomWithIdx(a->getIdx())->getPropIfPresent(RDKit::common_properties::_CIPCode, got);
        if (want != got) return false;
    }
    for (const RDKit::Bond* b : wanted.bonds()) {
        if (b->getStereo() <= RDKit::Bond::STEREOANY) continue;
        const RDKit::Bond* p = perceived.getBondWithIdx(b->getIdx());
        const bool want_z = b->getStereo() == RDKit::Bond::STEREOZ || b->getStereo() == RDKit::Bond::STEREOCIS;
        const bool got_z = p->getStereo() == RDKit::Bond::STEREOZ || p->getStereo() == RDKit::Bond::STEREOCIS;
        if (p->getStereo() <= RDKit::Bond::STEREOANY || want_z != got_z) return false;
    }
    return true;
}

}  // namespace

Structure embed_smiles(const std::string& smiles, std::uint64_t seed, const EmbedOptions& options, EmbedOutcome* outcome) {
    interop::detail::silence_rdkit_logs();
    EmbedOutcome local;
    EmbedOutcome& out = outcome ? *outcome : local;
    out = EmbedOutcome{};
    std::unique_ptr<RDKit::RWMol> mol;
    try {
        mol.reset(RDKit::SmilesToMol(smiles));
    } catch (const std::exception& e) {
        out.error = fmt::format("SMILES '{}' does not parse: {}", smiles, e.what());
        fail("{}", out.error);
    }
    if (!mol) {
        out.error = fmt::format("SMILES '{}' does not parse", smiles);
        fail("{}", out.error);
    }
    out.canonical_smiles = RDKit::MolToSmiles(*mol);
    RDKit::MolOps::addHs(*mol);

    RDKit::DGeomHelpers::EmbedParameters params = RDKit::DGeomHelpers::ETKDGv3;
    params.randomSeed = static_cast<int>(seed & 0x7fffffff);
    params.numThreads = 1;  // we parallelise over molecules
    params.maxIterations = static_cast<unsigned>(std::max(0, options.etkdg_iterations));
    int conf = RDKit::DGeomHelpers::EmbedMolecule(*mol, params);
    if (conf < 0 && options.random_coords_retry) {
        params.useRandomCoords = true;
        conf = RDKit::DGeomHelpers::EmbedMolecule(*mol, params);
    }
    out.method = "etkdg";
    if (conf < 0 && options.openbabel_fallback) {
        try {
            conf = place_openbabel_coordinates(*mol, smiles, static_cast<unsigned>(seed & 0x7fffffff));
        } catch (const std::exception&) {
            conf = -1;
        }
        out.method = "openbabel";
    }
    if (conf < 0) {
        out.error = options.openbabel_fallback
                        ? fmt::format("neither ETKDGv3 nor the Open Babel builder could embed '{}'", smiles)
                        : fmt::format("ETKDGv3 could not embed '{}'", smiles);
        fail("{}", out.error);
    }
    out.geometry = out.method;
    if (options.optimize) {
        const auto [needs_more, energy] =
            RDKit::MMFF::MMFFOptimizeMolecule(*mol, options.mmff_max_iterations, "MMFF94", 100.0, conf);
        (void)energy;
        if (needs_more >= 0) {
            out.geometry = out.method + "-mmff";
            out.mmff_converged = needs_more == 0;
        }
    }
    if (out.method == "openbabel" && !specified_stereo_kept(*mol, conf)) {
        // The builder often makes the mirror image of a cage: reflect, then check again.
        RDKit::Conformer& c = mol->getConformer(conf);
        for (unsigned i = 0; i < mol->getNumAtoms(); ++i) {
            RDGeom::Point3D p = c.getAtomPos(i);
            p.z = -p.z;
            c.setAtomPos(i, p);
        }
        if (!specified_stereo_kept(*mol, conf)) {
            out.error = fmt::format("the Open Babel builder did not keep the stereochemistry of '{}'", smiles);
            fail("{}", out.error);
        }
    }
    // Kekulé bond orders (aromatic flags kept in the SMILES) so writers get explicit orders.
    RDKit::MolOps::Kekulize(*mol, /*markAtomsBonds=*/false);

    Structure s;
    const RDKit::Conformer& c = mol->getConformer(conf);
    bool charged = false;
    for (const RDKit::Atom* a : mol->atoms()) {
        s.numbers.push_back(a->getAtomicNum());
        const RDGeom::Point3D& p = c.getAtomPos(a->getIdx());
        s.positions.emplace_back(p.x, p.y, p.z);
        s.charges.push_back(a->getFormalCharge());
        charged = charged || a->getFormalCharge() != 0;
    }
    if (!charged) s.charges.clear();
    for (const RDKit::Bond* b : mol->bonds())
        s.bonds.push_back({static_cast<int>(b->getBeginAtomIdx()), static_cast<int>(b->getEndAtomIdx()), bond_order(*b)});
    out.ok = true;
    return s;
}

EmbedBatchResult embed_smiles_batch(const std::vector<std::string>& smiles, const std::vector<std::string>& ids,
                                    const EmbedOptions& options, const ProgressCallback& progress) {
    if (!ids.empty() && ids.size() != smiles.size()) fail("embed_smiles_batch: {} ids for {} SMILES", ids.size(), smiles.size());
    const std::size_t n = smiles.size();
    EmbedBatchResult result;
    result.structures.resize(n);
    result.outcomes.resize(n);
    std::atomic<std::size_t> next{0}, done{0};
    auto work = [&] {
        for (std::size_t i = next++; i < n; i = next++) {
            try {
                Structure s = embed_smiles(smiles[i], static_cast<std::uint64_t>(molecule_seed(options.seed, i)), options,
                                           &result.outcomes[i]);
                s.id = ids.empty() ? std::to_string(i) : ids[i];
                result.structures[i] = std::move(s);
            } catch (const std::exception& e) {
                result.outcomes[i].ok = false;
                if (result.outcomes[i].error.empty()) result.outcomes[i].error = e.what();
            }
            ++done;
        }
    };
    // The first molecule runs alone: RDKit initialises its parameter tables lazily.
    if (n > 0) {
        next = 1;
        try {
            Structure s = embed_smiles(smiles[0], static_cast<std::uint64_t>(molecule_seed(options.seed, 0)), options,
                                       &result.outcomes[0]);
            s.id = ids.empty() ? "0" : ids[0];
            result.structures[0] = std::move(s);
        } catch (const std::exception& e) {
            if (result.outcomes[0].error.empty()) result.outcomes[0].error = e.what();
        }
        done = 1;
    }
    const unsigned hw = std::max(1u, std::thread::hardware_concurrency());
    const unsigned threads = std::min<unsigned>(options.threads > 0 ? static_cast<unsigned>(options.threads) : hw,
                                                static_cast<unsigned>(std::max<std::size_t>(1, n)));
    std::vector<std::thread> pool;
    for (unsigned t = 0; t < threads; ++t) pool.emplace_back(work);
    if (progress) {
        while (done < n) {
            progress(done, n, "embedding");
            std::this_thread::sleep_for(std::chrono::milliseconds(500));
        }
    }
    for (std::thread& t : pool) t.join();
    if (progress) progress(n, n, "embedding");
    for (const EmbedOutcome& o : result.outcomes) {
        if (!o.ok) ++result.failed;
        else if (o.geometry.size() < 5 || o.geometry.compare(o.geometry.size() - 5, 5, "-mmff") != 0) ++result.mmff_unavailable;
        else if (!o.mmff_converged) ++result.mmff_not_converged;
    }
    return result;
}

}  // namespace adit

namespace adit::interop::detail {

int mmff_optimize_molecule(RDKit::ROMol& mol, int max_iterations, int conf_id) {
    return RDKit::MMFF::MMFFOptimizeMolecule(mol, max_iterations, "MMFF94", 100.0, conf_id).first;
}

}  // namespace adit::interop::detail
