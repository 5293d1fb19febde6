// adit convert IN OUT: any supported structure format to any other (format from the
// extensions, or --format/--out-format as obabel's -i/-o), optionally symmetrizing CIF output.
#include <fmt/format.h>

#include "adit/core/log.hpp"
#include "adit/interop/structure_files.hpp"
#include "command.hpp"

namespace adit::cli {

namespace {

struct ConvertOptions {
    std::string input, output;
    std::string in_format, out_format;
    bool symmetrize = false;
    double symprec = 0.1;
    double angle_tolerance = 5.0;
};

int run_convert(const ConvertOptions& o) {
    ReadOptions read;
    if (!o.in_format.empty()) read.format = format_from_name(o.in_format);
    WriteOptions write;
    if (!o.out_format.empty()) write.format = format_from_name(o.out_format);
    write.symmetrize = o.symmetrize;
    write.symprec = o.symprec;
    write.angle_tolerance = o.angle_tolerance;
    const std::vector<Structure> structures = read_structures(o.input, read);
    write_structures(o.output, structures, write);
    log_info("wrote {} structure{} to {}", structures.size(), structures.size() == 1 ? "" : "s", o.output);
    return 0;
}

}  // namespace

Command register_convert(CLI::App& parent, const GlobalOptions&) {
    auto opts = std::make_shared<ConvertOptions>();
    CLI::App* sub = parent.add_subcommand("convert", "Convert structures between formats (xyz, extxyz, sdf/mol, cif, csv, pdb)");
    sub->add_option("input", opts->input, "input file (or a directory of *.cif)")->required();
    sub->add_option("output", opts->output, "output file; a .gz suffix compresses it")->required();
    sub->add_option("--format,-i", opts->in_format, "input format, overriding the extension");
    sub->add_option("--out-format,-o", opts->out_format, "output format, overriding the extension");
    sub->add_flag("--symmetrize", opts->symmetrize,
                  "CIF output: space group, its operators and the asymmetric unit (spglib refined cell)");
    sub->add_option("--symprec", opts->symprec, "symmetry distance tolerance, Å")->capture_default_str();
    sub->add_option("--angle-tolerance", opts->angle_tolerance, "symmetry angle tolerance, degrees")
        ->capture_default_str();
    return {sub, [opts] { return guarded("convert", [&] { return run_convert(*opts); }); }};
}

}  // namespace adit::cli
