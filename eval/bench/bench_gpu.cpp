// adit's speed bench against the issue #12 table (not run in CI; see docs/BENCHMARKS.md, ## GPU):
// the VAE training step (vae-joint.toml), DiT-S and DiT-B training steps (dit-s-joint.toml,
// dit-b-joint.toml; self-conditioning, frozen VAE encode), all at batch 256 drawn from QM9's
// atom-count histogram, and 10,000 QM9-sized samples with DiT-S (100 Euler steps, CFG 2, VAE
// decode, SDF written), in fp32 and bf16. The training steps run through the real trainer
// (train::train_vae / train_dit: collate, rotation augmentation, forward, backward, clipping,
// AdamW, EMA, the NaN guard's one host sync); a step's time is the gap between consecutive
// progress callbacks, reported as the median after a warm-up.
//   bench_gpu --device cuda --precision fp32,bf16 --out /tmp/bench [--steps 30] [--warmup 10]
// Structures are synthetic (random H/C/N/O/F molecules with QM9's size distribution): the
// timings depend on shapes only. Prints one JSON object per measurement and a table.
#include <torch/torch.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <chrono>
#include <cmath>
#include <filesystem>
#include <functional>
#include <iostream>
#include <nlohmann/json.hpp>
#include <random>
#include <sstream>
#include <toml++/toml.h>

#include "adit/core/structure.hpp"
#include "adit/interop/structure_files.hpp"
#include "adit/models/checkpoint.hpp"
#include "adit/sample/sampler.hpp"
#include "adit/train/trainer.hpp"
#include "kineto_trace.hpp"

using nlohmann::json;
using Clock = std::chrono::steady_clock;

namespace {

// QM9 (qm9_dft_train.extxyz.gz, 115,885 molecules): number of molecules with k atoms at index k.
const std::vector<double> kQm9Histogram = {0,     0,     0,     2,     4,     4,     11,    16,    52,   119,
                                           343,   770,   1689,  3285,  5711,  8964,  12312, 15228, 15658, 16305,
                                           11151, 11803, 3971,  5682,  638,   1764,  53,    318,   0,    32};

std::vector<adit::Structure> synthetic_qm9(std::size_t n, std::uint64_t seed) {
    std::mt19937_64 rng(seed);
    std::discrete_distribution<int> size(kQm9Histogram.begin(), kQm9Histogram.end());
    std::discrete_distribution<int> element({50, 35, 6, 8, 1});  // H C N O F, roughly QM9's mix
    const int z[] = {1, 6, 7, 8, 9};
    std::normal_distribution<double> coord(0.0, 1.6);
    std::vector<adit::Structure> out(n);
    for (std::size_t i = 0; i < n; ++i) {
        auto& s = out[i];
        s.id = "synthetic-" + std::to_string(i);
        const int atoms = size(rng);
        for (int a = 0; a < atoms; ++a) {
            s.numbers.push_back(z[element(rng)]);
            s.positions.emplace_back(coord(rng), coord(rng), coord(rng));
        }
    }
    return out;
}

json read_toml(const std::string& path) {
    auto table = toml::parse_file(path);
    std::ostringstream out;
    out << toml::json_formatter{table};
    return json::parse(out.str());
}

double median(std::vector<double> v) {
    if (v.empty()) return 0;
    std::sort(v.begin(), v.end());
    return v.size() % 2 ? v[v.size() / 2] : 0.5 * (v[v.size() / 2 - 1] + v[v.size() / 2]);
}

// Parameters that take part in matrix products (weights of rank >= 2), in a module.
double matmul_parameters(const torch::nn::Module& m) {
    double n = 0;
    for (const auto& p : m.parameters())
        if (p.dim() >= 2) n += double(p.numel());
    return n;
}

// Step times (seconds) from progress callbacks: gaps between consecutive steps after `warmup`.
// With a trace path, the steps after the first `trace_after` are traced (kineto_trace.hpp).
struct StepTimer {
    std::vector<Clock::time_point> marks;
    std::string trace_path;
    std::size_t trace_after = 0, trace_until = 0;  // callbacks: start after the first, stop at the second
    adit::ProgressCallback callback() {
        return [this](std::size_t, std::size_t, std::string_view) {
            marks.push_back(Clock::now());
            if (trace_path.empty()) return;
            if (marks.size() == trace_after) adit::bench::trace_start();
            if (marks.size() == trace_until) adit::bench::trace_stop(trace_path);
        };
    }
    std::vector<double> gaps(std::size_t warmup) const {
        std::vector<double> g;
        for (std::size_t i = std::max<std::size_t>(warmup, 1); i < marks.size(); ++i)
            g.push_back(std::chrono::duration<double>(marks[i] - marks[i - 1]).count());
        return g;
    }
};

void synchronize(const torch::Device& d) {
    if (d.is_cuda()) torch::cuda::synchronize();
}

}  // namespace

int main(int argc, char** argv) {
    CLI::App app{"adit GPU speed bench (issue #12 shapes)"};
    std::string device_name = "cuda", precisions = "fp32,bf16", only = "vae,dit-s,dit-b,sample", out_dir = "bench-out";
    std::string engines = "fast,module";
    std::string configs = std::string(ADIT_SOURCE_DIR) + "/configs";
    std::int64_t steps = 30, warmup = 10, samples = 10000, sample_batch = 1000, sample_steps = 100;
    bool bucket = false;
    bool graph = false;
    double peak_bf16 = 989e12, peak_fp32 = 67e12;  // H100 SXM dense: bf16 tensor cores, fp32 (no TF32)
    std::string trace_dir;
    app.add_option("--device", device_name);
    app.add_option("--precision", precisions, "comma-separated: fp32,bf16");
    app.add_option("--only", only, "comma-separated: vae,dit-s,dit-b,sample");
    app.add_option("--out", out_dir);
    app.add_option("--configs", configs);
    app.add_option("--steps", steps, "timed training steps (after the warm-up)");
    app.add_option("--warmup", warmup);
    app.add_option("--samples", samples);
    app.add_option("--sample-batch", sample_batch);
    std::string sample_attention = "fused";
    app.add_option("--sample-attention", sample_attention, "the fast engine's attention: fused or explicit")
        ->check(CLI::IsMember({"fused", "explicit"}));
    app.add_option("--sample-steps", sample_steps);
    app.add_option("--engines", engines, "sampler engines to time, comma-separated: fast,module");
    app.add_flag("--bucket", bucket, "train.bucket_by_size = true (batches of similar atom counts)");
    app.add_flag("--graph", graph,
                 "train.cuda_graph = true (each batch shape's step captured once; give --warmup enough steps to see every shape)");
    app.add_option("--trace", trace_dir,
                   "write Kineto traces of the timed steps and sampling here (builds with -DADIT_BENCH_TRACE=ON; "
                   "the times of a traced run carry the profiler's overhead)");
    app.add_option("--peak-bf16", peak_bf16, "FLOP/s for the floor (default: H100 SXM dense bf16)");
    app.add_option("--peak-fp32", peak_fp32, "FLOP/s for the floor (default: H100 SXM fp32 without TF32)");
    CLI11_PARSE(app, argc, argv);
    if (!trace_dir.empty()) {
        try {
            adit::bench::require_trace();
        } catch (const std::exception& e) {
            std::cerr << e.what() << "\n";
            return 2;
        }
        std::filesystem::create_directories(trace_dir);
    }
    auto has = [&](const std::string& list, const std::string& item) {
        return ("," + list + ",").find("," + item + ",") != std::string::npos;
    };
    std::filesystem::create_directories(out_dir);
    const auto device = torch::Device(device_name);
    const auto train_set = synthetic_qm9(256 * 20, 1);
    const auto val_set = synthetic_qm9(256, 2);
    double atoms = 0;
    for (const auto& s : train_set) atoms += double(s.size());
    const double mean_atoms = atoms / double(train_set.size());
    std::vector<json> rows;

    for (const std::string precision : {"fp32", "bf16"}) {
        if (!has(precisions, precision)) continue;
        const double peak = precision == "bf16" ? peak_bf16 : peak_fp32;
        const std::string dir = out_dir + "/" + precision;
        auto train_config = [&](json c) {
            c["train"]["steps"] = warmup + steps + 1;
            c["train"]["batch_size"] = 256;
            c["train"]["checkpoint_every"] = 0;
            c["train"]["validate_every"] = 0;
            c["train"]["precision"] = precision;
            c["train"]["bucket_by_size"] = bucket;
            c["train"]["cuda_graph"] = graph;
            return c;
        };
        adit::train::RunOptions run;
        run.device = device_name;
        const std::string vae_path = dir + "/vae/vae.pt";
        auto guarded = [&](const std::string& work, const std::function<void()>& f) {
            try {
                f();
            } catch (const std::exception& e) {
                json row = {{"work", work}, {"precision", precision}, {"error", e.what()}};
                std::cout << row.dump() << std::endl;
            }
        };
        // The traced window: the timed steps after the warm-up (the last callback is step warmup + steps + 1).
        auto traced = [&](StepTimer& timer, const std::string& work) {
            if (trace_dir.empty()) return;
            timer.trace_path = trace_dir + "/" + work + "-" + precision + (graph ? "-graph" : "") + (bucket ? "-bucket" : "") + ".json";
            timer.trace_after = std::size_t(warmup);
            timer.trace_until = std::size_t(warmup + steps + 1);
        };
        if (has(only, "vae") || !std::filesystem::exists(vae_path)) guarded("vae step", [&] {
            StepTimer timer;
            if (has(only, "vae")) traced(timer, "vae");
            run.progress = timer.callback();
            auto r = adit::train::train_vae(train_config(read_toml(configs + "/vae-joint.toml")), train_set, val_set,
                                            dir + "/vae", run);
            auto vae = adit::models::load_vae(vae_path, false);
            // FLOPs: forward 2 P T, backward 4 P T over real tokens (matmul weights only) + attention.
            const double P = matmul_parameters(*vae.model);
            const auto& o = vae.model->options();
            const double T = 256 * mean_atoms;
            const double attn = 2.0 * o.num_layers * 4.0 * T * mean_atoms * double(o.d_model);  // QK^T, AV; enc+dec
            const double flops = 3.0 * (2.0 * P * T + attn);
            const double t = median(timer.gaps(std::size_t(warmup)));
            json row = {{"work", "vae step"}, {"precision", precision}, {"ms", 1e3 * t}, {"flops", flops},
                        {"floor_ms", 1e3 * flops / peak}, {"fraction_of_peak", flops / peak / t}, {"bucket", bucket}};
            if (has(only, "vae")) rows.push_back(row), std::cout << row.dump() << std::endl;
        });
        for (const std::string dit_name : {"dit-s", "dit-b"}) {
            if (!has(only, dit_name) && !(dit_name == "dit-s" && has(only, "sample"))) continue;
            guarded(dit_name + " step", [&] {
            StepTimer timer;
            if (has(only, dit_name)) traced(timer, dit_name);
            run.progress = timer.callback();
            auto r = adit::train::train_dit(train_config(read_toml(configs + "/" + dit_name + "-joint.toml")), vae_path,
                                            train_set, dir + "/" + dit_name, run);
            auto dit = adit::models::load_dit(dir + "/" + dit_name + "/dit.pt", false);
            const double P = matmul_parameters(*dit.model), Pv = matmul_parameters(*dit.vae->encoder);
            const auto& o = dit.model->options();
            const double T = 256 * mean_atoms;
            const double attn = 4.0 * o.num_layers * T * mean_atoms * double(o.d_model);
            // frozen encoder forward + self-conditioning forward + forward/backward
            const double flops = 2.0 * Pv * T + (2.0 * P * T + attn) + 3.0 * (2.0 * P * T + attn);
            const double t = median(timer.gaps(std::size_t(warmup)));
            json row = {{"work", dit_name + " step"}, {"precision", precision}, {"ms", 1e3 * t}, {"flops", flops},
                        {"floor_ms", 1e3 * flops / peak}, {"fraction_of_peak", flops / peak / t}, {"bucket", bucket}};
            if (has(only, dit_name)) rows.push_back(row), std::cout << row.dump() << std::endl;
            });
        }
        for (const std::string engine : {"fast", "module"}) {
            if (!has(only, "sample") || !has(engines, engine)) continue;
            guarded("sample", [&] {
            auto model = adit::models::load_dit(dir + "/dit-s/dit.pt", true);
            model.model->to(device);
            model.vae->to(device);
            adit::sample::SamplerOptions so;
            so.steps = sample_steps;
            so.time_power = 1.0;  // the protocol: 100 uniform Euler steps,
            so.refine = 0;        // nothing after them, every one guided (as in the PyTorch reference)
            so.guidance_until = 1.0;
            so.cfg_scale = 2.0;
            so.batch_size = sample_batch;
            so.precision = precision;
            so.engine = engine;
            so.attention = sample_attention;
            torch::manual_seed(0);
            {
                auto warm = so;
                warm.steps = 5;
                adit::sample::sample_structures(model, "molecule", std::min<std::int64_t>(samples, sample_batch * 2), warm);
            }
            synchronize(device);
            if (!trace_dir.empty()) adit::bench::trace_start();
            const auto t0 = Clock::now();
            auto structures = adit::sample::sample_structures(model, "molecule", samples, so);
            const auto t1 = Clock::now();
            if (!trace_dir.empty()) adit::bench::trace_stop(trace_dir + "/sample-" + engine + "-" + precision + ".json");
            adit::write_structures(dir + "/samples-" + engine + ".sdf", structures);
            const auto t2 = Clock::now();
            const double P = matmul_parameters(*model.model), Pd = matmul_parameters(*model.vae->decoder);
            const double T = double(samples) * mean_atoms;
            const double attn = 4.0 * double(model.model->options().num_layers) * T * mean_atoms * double(model.model->options().d_model);
            const double flops = double(sample_steps) * 2.0 * (2.0 * P * T + attn) + 2.0 * Pd * T;
            const double t = std::chrono::duration<double>(t2 - t0).count();
            json row = {{"work", "sample " + std::to_string(samples) + " (" + engine + ")"}, {"precision", precision},
                        {"seconds", t}, {"sampling_s", std::chrono::duration<double>(t1 - t0).count()},
                        {"write_sdf_s", std::chrono::duration<double>(t2 - t1).count()}, {"batch", sample_batch},
                        {"steps", sample_steps}, {"engine", engine}, {"attention", sample_attention}, {"flops", flops}, {"floor_s", flops / peak},
                        {"fraction_of_peak", flops / peak / t}};
            rows.push_back(row);
            std::cout << row.dump() << std::endl;
            });
        }
    }
    std::cout << "\n| work | precision | time | FLOP floor | fraction of peak |\n|---|---|---|---|---|\n";
    for (const auto& r : rows) {
        const bool step = r.contains("ms");
        std::cout << "| " << r["work"].get<std::string>() << (r.value("bucket", false) ? " (bucketed)" : "") << " | "
                  << r["precision"].get<std::string>() << " | "
                  << (step ? fmt::format("{:.1f} ms", r["ms"].get<double>()) : fmt::format("{:.2f} s", r["seconds"].get<double>()))
                  << " | "
                  << (step ? fmt::format("{:.2f} ms", r["floor_ms"].get<double>()) : fmt::format("{:.2f} s", r["floor_s"].get<double>()))
                  << " | " << fmt::format("{:.1f}%", 100 * r["fraction_of_peak"].get<double>()) << " |\n";
    }
    return 0;
}
