#include "adit/metrics/molecule_evaluation.hpp"

#include <atomic>
#include <exception>
#include <mutex>

#include "adit/core/parallel.hpp"
#include "adit/interop/molecule_validity.hpp"
#include "adit/metrics/edm_stability.hpp"
#include "adit/metrics/geometry_checks.hpp"

namespace adit::metrics {

MoleculeEvaluation evaluate_molecules(const std::vector<Structure>& molecules, const MoleculeEvalOptions& options,
                                      const ProgressCallback& progress) {
    MoleculeEvaluation out;
    out.records.resize(molecules.size());
    std::atomic<std::size_t> done{0};
    std::mutex progress_mutex;
    interop::MoleculeValidityOptions vopt;
    vopt.use_given_bonds = options.use_given_bonds;
    parallel_for(molecules.size(), options.threads, [&](std::size_t i) {
        MoleculeRecord& r = out.records[i];
        const Structure& s = molecules[i];
        r.num_atoms = static_cast<int>(s.size());
        try {
            interop::MoleculeVerdict v = interop::check_molecule(s, vopt);
            r.valid = v.valid;
            r.connected = v.connected();
            r.smiles = v.smiles;
            r.reason = v.reason;
            if (v.valid) {
                GeometryChecks g = check_geometry(s, v.bonds);
                r.bond_lengths_ok = g.bond_lengths;
                r.bond_angles_ok = g.bond_angles;
                r.no_clash = g.no_clash;
            }
        } catch (const std::exception& e) {
            r.valid = false;
            r.reason = e.what();
        }
        try {
            EdmStability st = edm_stability(s);
            r.num_stable_atoms = st.num_stable_atoms;
            r.mol_stable = st.molecule_stable;
        } catch (const std::exception& e) {
            if (r.reason.empty() && !r.valid) r.reason = e.what();
        }
        std::size_t k = ++done;
        if (progress && (k % 500 == 0 || k == molecules.size())) {
            std::lock_guard<std::mutex> lock(progress_mutex);
            progress(k, molecules.size(), "molecules");
        }
    });

    MoleculeSummary& m = out.summary;
    m.count = molecules.size();
    std::unordered_set<std::string> unique;
    for (const MoleculeRecord& r : out.records) {
        m.atoms += r.num_atoms;
        m.stable_atoms += r.num_stable_atoms;
        m.stable_molecules += r.mol_stable;
        m.connected += r.connected;
        if (!r.valid) continue;
        ++m.valid;
        m.valid_connected += r.connected;
        m.bond_lengths_ok += r.bond_lengths_ok;
        m.bond_angles_ok += r.bond_angles_ok;
        m.no_clash += r.no_clash;
        unique.insert(r.smiles);
    }
    m.unique = unique.size();
    if (options.reference_smiles) {
        m.novelty_computed = true;
        for (const std::string& smi : unique)
            m.novel += options.reference_smiles->count(interop::molecule_novelty_key(smi)) == 0;
    }
    return out;
}

}  // namespace adit::metrics
