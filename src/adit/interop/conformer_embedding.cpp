#include "adit/interop/conformer_embedding.hpp"
#include "adit/interop/rdkit_common.hpp"

#include <GraphMol/DistGeomHelpers/Embedder.h>
#include <GraphMol/ForceFieldHelpers/MMFF/MMFF.h>
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

}  // namespace

Structure embed_smiles(const std::string& smiles, std::uint64_t seed, const EmbedOptions& options, EmbedOutcome* outcome) {
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
    int conf = RDKit::DGeomHelpers::EmbedMolecule(*mol, params);
    // Strained small-ring cages (bicyclo[1.1.0]butanes etc., frequent in QM9) often fail from
    // the eigenvector start; one retry from random coordinates rescues some. More retries with
    // more iterations rescue a few more (99.3% -> 99.7% of QM9's first 2,000) but cost 2.5x
    // the CPU time, since the failures dominate it (docs/BENCHMARKS.md).
    if (conf < 0 && options.random_coords_retry) {
        params.useRandomCoords = true;
        conf = RDKit::DGeomHelpers::EmbedMolecule(*mol, params);
    }
    if (conf < 0) {
        out.error = fmt::format("ETKDGv3 could not embed '{}'", smiles);
        fail("{}", out.error);
    }
    out.geometry = "etkdg";
    if (options.optimize) {
        const auto [needs_more, energy] =
            RDKit::MMFF::MMFFOptimizeMolecule(*mol, options.mmff_max_iterations, "MMFF94", 100.0, conf);
        (void)energy;
        if (needs_more >= 0) {
            out.geometry = "etkdg-mmff";
            out.mmff_converged = needs_more == 0;
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
        else if (o.geometry != "etkdg-mmff") ++result.mmff_unavailable;
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
