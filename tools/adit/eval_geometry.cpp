// adit eval geometry PRED.sdf REF.sdf: Molecule3D's D-MAE, D-RMSE and C-RMSD over records paired
// in order, all atoms (hydrogens included), means over molecules in Å.
#include "eval_geometry.hpp"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <iostream>

#include "adit/interop/molecule_sdf.hpp"
#include "adit/io/text_file.hpp"
#include "adit/metrics/geometry.hpp"

namespace adit::cli {

int run_eval_geometry(const std::string& predicted_sdf, const std::string& reference_sdf,
                      const std::string& json_path, const std::string& per_molecule_csv) {
    const auto predicted = interop::read_molecule_sdf(predicted_sdf);
    const auto reference = interop::read_molecule_sdf(reference_sdf);
    const metrics::GeometrySummary s = metrics::compare_geometries(predicted, reference);
    std::cout << fmt::format("n       {}\nd_mae   {:.6f}\nd_rmse  {:.6f}\nc_rmsd  {:.6f}\n", s.n, s.d_mae, s.d_rmse,
                             s.c_rmsd);
    if (!json_path.empty()) {
        nlohmann::ordered_json j;
        j["n"] = s.n;
        j["d_mae"] = s.d_mae;
        j["d_rmse"] = s.d_rmse;
        j["c_rmsd"] = s.c_rmsd;
        j["d_mae_pooled"] = s.d_mae_pooled;
        j["d_rmse_pooled"] = s.d_rmse_pooled;
        AtomicOutput out(json_path);
        out.stream() << j.dump(2) << "\n";
        out.commit();
    }
    if (!per_molecule_csv.empty()) {
        AtomicOutput out(per_molecule_csv);
        out.stream() << "index,id,atoms,d_mae,d_rmse,c_rmsd\n";
        for (std::size_t k = 0; k < s.n; ++k) {
            const auto& e = s.per_molecule[k];
            out.stream() << fmt::format("{},{},{},{:.6f},{:.6f},{:.6f}\n", k + 1, reference[k].id, reference[k].size(),
                                        e.d_mae, e.d_rmse, e.c_rmsd);
        }
        out.commit();
    }
    return 0;
}

Command add_eval_geometry(CLI::App& eval, const GlobalOptions&) {
    struct Args {
        std::string predicted, reference, json, per_molecule;
    };
    auto args = std::make_shared<Args>();
    CLI::App* sub = eval.add_subcommand(
        "geometry", "Molecule3D geometry errors (D-MAE, D-RMSE, C-RMSD in Å) of predicted vs reference SDF records, "
                    "paired in order, all atoms");
    sub->add_option("predicted", args->predicted, "predicted geometries (SDF)")->required()->check(CLI::ExistingFile);
    sub->add_option("reference", args->reference, "reference geometries (SDF), same molecules and atom order")
        ->required()
        ->check(CLI::ExistingFile);
    sub->add_option("--json", args->json, "also write {n, d_mae, d_rmse, c_rmsd, d_mae_pooled, d_rmse_pooled} here");
    sub->add_option("--per-molecule", args->per_molecule, "also write per-molecule errors as CSV here");
    return {sub, [args] {
                return guarded("eval geometry", [&] {
                    return run_eval_geometry(args->predicted, args->reference, args->json, args->per_molecule);
                });
            }};
}

}  // namespace adit::cli
