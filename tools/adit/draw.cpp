// adit draw FILE --out grid.svg: 2D depictions (RDKit MolDraw2DSVG) of molecules, each captioned
// with its SMILES and validity verdict, so a chemist sees a batch of samples at a glance.
#include <iostream>

#include <fmt/format.h>

#include "adit/core/error.hpp"
#include "adit/core/log.hpp"
#include "adit/core/parallel.hpp"
#include "adit/interop/depiction.hpp"
#include "adit/interop/molecule_validity.hpp"
#include "adit/io/text_file.hpp"
#include "command.hpp"
#include "eval_inputs.hpp"

namespace adit::cli {

Command register_draw(CLI::App& parent, const GlobalOptions& global) {
    CLI::App* sub = parent.add_subcommand("draw", "Draw a grid of 2D depictions of molecules (SVG)");
    struct Args {
        std::string input, out;
        int n = 24, cols = 6;
    };
    auto args = std::make_shared<Args>();
    sub->add_option("file", args->input, "molecules (XYZ, extXYZ, SDF...)")->required();
    sub->add_option("--out", args->out, "SVG file to write")->required();
    sub->add_option("--n", args->n, "number of molecules to draw (from the start)")->check(CLI::PositiveNumber);
    sub->add_option("--cols", args->cols, "panels per row")->check(CLI::PositiveNumber);
    return {sub, [args, &global] {
                return guarded("draw", [&] {
                    std::vector<Structure> all = load_structures(args->input);
                    if (all.empty()) fail("{}: no molecules", args->input);
                    if (static_cast<int>(all.size()) > args->n) all.resize(args->n);
                    std::vector<std::string> captions(all.size());
                    std::size_t valid = 0;
                    std::vector<char> ok(all.size());
                    parallel_for(all.size(), global.threads, [&](std::size_t i) {
                        interop::MoleculeVerdict v = interop::check_molecule(all[i]);
                        ok[i] = v.valid;
                        captions[i] = v.valid ? fmt::format("#{} {}", i, v.smiles) : fmt::format("#{} invalid", i);
                    });
                    for (char c : ok) valid += c;
                    interop::GridOptions o;
                    o.columns = args->cols;
                    AtomicOutput out(args->out);
                    out.stream() << interop::draw_molecule_grid(all, captions, o);
                    out.commit();
                    std::cout << fmt::format("{}: {} molecules drawn ({} valid)\n", args->out, all.size(), valid);
                    return 0;
                });
            }};
}

}  // namespace adit::cli
