// MoleBLEND pretraining, fine-tuning and prediction (see moleblend_trainer.hpp).
#include "adit/train/moleblend_trainer.hpp"

#include <ATen/CPUGeneratorImpl.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <filesystem>
#include <functional>
#include <map>
#include <random>
#include <thread>

#include "adit/core/error.hpp"
#include "adit/io/text_file.hpp"
#include "adit/models/checkpoint.hpp"
#include "adit/nn/device.hpp"
#include "adit/train/batch_plan.hpp"
#include "adit/train/ema.hpp"
#include "adit/train/lr_schedule.hpp"
#include "adit/train/optimizer_step.hpp"
#include "adit/train/step_readout.hpp"

namespace adit::train {

using models::MoleBlendMolecule;
using nlohmann::json;

namespace {
constexpr double kHartreeToEV = 27.211386245988;  // CODATA 2018
}

PropertyTarget property_target(const std::string& name, const std::string& file_unit) {
    PropertyTarget t;
    t.name = name;
    t.file_unit = file_unit;
    std::string u = file_unit;
    std::transform(u.begin(), u.end(), u.begin(), [](unsigned char c) { return char(std::tolower(c)); });
    if (u == "hartree") {
        t.to_model = kHartreeToEV;
        t.unit = "eV";
        t.to_report = 1000.0;
        t.report_unit = "meV";
    } else if (u == "ev") {
        t.unit = "eV";
        t.to_report = 1000.0;
        t.report_unit = "meV";
    } else {
        t.unit = t.report_unit = file_unit;
    }
    return t;
}

json to_json(const PropertyTarget& t) {
    return {{"name", t.name},   {"file_unit", t.file_unit},   {"to_model", t.to_model},
            {"unit", t.unit},   {"to_report", t.to_report},   {"report_unit", t.report_unit}};
}
PropertyTarget property_target_from_json(const json& j) {
    PropertyTarget t;
    t.name = j.at("name").get<std::string>();
    t.file_unit = j.value("file_unit", "");
    t.to_model = j.value("to_model", 1.0);
    t.unit = j.value("unit", "");
    t.to_report = j.value("to_report", 1.0);
    t.report_unit = j.value("report_unit", "");
    return t;
}

MoleBlendSet moleblend_set(const data::Dataset& dataset, const std::vector<std::int64_t>& indices, bool geometry,
                           const std::vector<PropertyTarget>& targets, int threads) {
    const auto& d = dataset.data();
    std::vector<const PreparedProperty*> columns;
    for (const auto& t : targets) {
        const auto* c = d.property(t.name);
        if (!c) fail("{}: no property \"{}\" in /properties", dataset.path(), t.name);
        columns.push_back(c);
    }
    enum Status { ok, no_smiles, bad_smiles, no_match, no_target };
    std::vector<MoleBlendMolecule> mols(indices.size());
    std::vector<int> status(indices.size(), ok);
    std::atomic<std::size_t> next{0};
    auto work = [&] {
        for (std::size_t k = next++; k < indices.size(); k = next++) {
            const auto i = indices[k];
            const std::string& smiles = d.smiles[std::size_t(i)];
            if (smiles.empty() || d.is_crystal(i)) {
                status[k] = no_smiles;
                continue;
            }
            std::vector<float> values;
            for (std::size_t t = 0; t < columns.size(); ++t) {
                const double v = columns[t]->values[std::size_t(i)];
                values.push_back(float(v * targets[t].to_model));
            }
            if (std::any_of(values.begin(), values.end(), [](float v) { return !std::isfinite(v); })) {
                status[k] = no_target;
                continue;
            }
            try {
                mols[k] = models::moleblend_molecule(interop::smiles_graph(smiles));
            } catch (const std::exception&) {
                status[k] = bad_smiles;
                continue;
            }
            mols[k].targets = std::move(values);
            if (geometry && !models::attach_geometry(mols[k], dataset.structure(i))) status[k] = no_match;
        }
    };
    const unsigned hw = std::max(1u, std::thread::hardware_concurrency());
    const unsigned count = std::min<unsigned>(threads > 0 ? unsigned(threads) : hw, unsigned(std::max<std::size_t>(1, indices.size())));
    std::vector<std::thread> pool;
    for (unsigned t = 0; t < count; ++t) pool.emplace_back(work);
    for (auto& t : pool) t.join();
    MoleBlendSet set;
    for (std::size_t k = 0; k < indices.size(); ++k) {
        switch (status[k]) {
            case ok:
                set.molecules.push_back(std::move(mols[k]));
                set.index.push_back(indices[k]);
                break;
            case no_smiles: ++set.no_smiles; break;
            case bad_smiles: ++set.bad_smiles; break;
            case no_match: ++set.no_geometry_match; break;
            case no_target: ++set.missing_target; break;
        }
    }
    return set;
}

json to_json(const MoleBlendTrainOptions& o) {
    return {{"steps", o.steps},
            {"batch_size", o.batch_size},
            {"lr", o.lr},
            {"warmup_steps", o.warmup_steps},
            {"min_lr_ratio", o.min_lr_ratio},
            {"weight_decay", o.weight_decay},
            {"ema_decay", o.ema_decay},
            {"grad_clip", o.grad_clip},
            {"validate_every", o.validate_every},
            {"checkpoint_every", o.checkpoint_every},
            {"seed", o.seed}};
}

MoleBlendTrainOptions moleblend_train_options_from_json(const json& j) {
    MoleBlendTrainOptions o;
    o.steps = j.value("steps", o.steps);
    o.batch_size = j.value("batch_size", o.batch_size);
    o.lr = j.value("lr", o.lr);
    o.warmup_steps = j.value("warmup_steps", o.warmup_steps);
    o.min_lr_ratio = j.value("min_lr_ratio", o.min_lr_ratio);
    o.weight_decay = j.value("weight_decay", o.weight_decay);
    o.ema_decay = j.value("ema_decay", o.ema_decay);
    o.grad_clip = j.value("grad_clip", o.grad_clip);
    o.validate_every = j.value("validate_every", o.validate_every);
    o.checkpoint_every = j.value("checkpoint_every", o.checkpoint_every);
    o.seed = j.value("seed", o.seed);
    if (o.steps < 1 || o.batch_size < 1) fail("train.steps and train.batch_size must be positive");
    if (o.lr <= 0) fail("train.lr must be positive");
    if (o.ema_decay < 0 || o.ema_decay >= 1) fail("train.ema_decay must be in [0, 1)");
    return o;
}

namespace {

// A CPU generator whose state is a pure function of (seed, step, stream).
at::Generator step_generator(std::uint64_t seed, std::int64_t step, std::uint64_t stream) {
    std::seed_seq seq{std::uint32_t(seed), std::uint32_t(seed >> 32), std::uint32_t(step), std::uint32_t(std::uint64_t(step) >> 32),
                      std::uint32_t(stream)};
    std::uint64_t s[1];
    seq.generate(reinterpret_cast<std::uint32_t*>(s), reinterpret_cast<std::uint32_t*>(s) + 2);
    return at::detail::createCPUGenerator(s[0]);
}

// Molecules of batch `step` (epoch e visits a permutation drawn from (seed, e) only; the last,
// smaller batch of an epoch is dropped).
BatchPlan molecule_plan(const std::vector<MoleBlendMolecule>& data, const MoleBlendTrainOptions& train) {
    return BatchPlan(std::vector<std::int64_t>(data.size(), 1), train.batch_size, train.seed, /*bucket_by_size=*/false,
                     /*drop_last=*/true);
}
std::vector<const MoleBlendMolecule*> batch_for_step(const std::vector<MoleBlendMolecule>& data, BatchPlan& plan,
                                                     std::int64_t step) {
    std::vector<const MoleBlendMolecule*> out;
    for (auto i : plan.indices(step)) out.push_back(&data[std::size_t(i)]);
    return out;
}

double lr_at(const MoleBlendTrainOptions& o, std::int64_t step) {
    return scheduled_lr(o.lr, step, o.steps, o.warmup_steps, /*cosine=*/true, o.min_lr_ratio);
}

json checkpoint_metadata(const std::string& kind, const json& config) {
    return {{"format_version", models::kCheckpointFormatVersion}, {"kind", kind}, {"config", config},
            {"created_by", std::string("adit ") + ADIT_VERSION}};
}

json read_moleblend_metadata(torch::serialize::InputArchive& a, const std::string& path, const std::string& kind) {
    json meta;
    try {
        meta = models::read_json(a, "metadata");
    } catch (const std::exception& e) {
        fail("{}: checkpoint has no readable metadata ({})", path, e.what());
    }
    if (meta.value("format_version", -1) != models::kCheckpointFormatVersion)
        fail("{}: checkpoint format version {} is not supported", path, meta.value("format_version", -1));
    if (meta.value("kind", "") != kind)
        fail("{}: expected a {} checkpoint, this one is a \"{}\"", path, kind, meta.value("kind", ""));
    return meta;
}

torch::serialize::InputArchive open_archive(const std::string& path, const torch::Device& device) {
    if (!std::filesystem::exists(path)) fail("{}: no such file", path);
    torch::serialize::InputArchive a;
    try {
        a.load_from(path, device);
    } catch (const c10::Error& e) {
        fail("{}: not a readable checkpoint ({})", path, e.what_without_backtrace());
    }
    return a;
}

// Reads the tensor stored under a dotted parameter name: a flat entry (the EMA archive's
// "layers.0.attn.q.weight"), or nested sub-archives as Module::save and release files write them.
bool read_dotted(torch::serialize::InputArchive& archive, const std::string& name, torch::Tensor& t, bool is_buffer) {
    if (archive.try_read(name, t, is_buffer)) return true;
    const auto dot = name.find('.');
    if (dot == std::string::npos) return false;
    torch::serialize::InputArchive sub;
    return archive.try_read(name.substr(0, dot), sub) && read_dotted(sub, name.substr(dot + 1), t, is_buffer);
}

// Copies tensors stored under `archive` into same-named parameters/buffers of `module` (names
// it lacks, such as a fine-tuning head, are skipped). Returns how many parameters were copied.
std::size_t load_matching(torch::serialize::InputArchive& archive, torch::nn::Module& module) {
    torch::NoGradGuard g;
    std::size_t n = 0;
    for (auto& p : module.named_parameters()) {
        torch::Tensor t;
        if (read_dotted(archive, p.key(), t, false) && t.sizes() == p.value().sizes()) {
            p.value().copy_(t);  // casts a release's fp16 weights back
            ++n;
        }
    }
    for (auto& b : module.named_buffers()) {
        torch::Tensor t;
        if (read_dotted(archive, b.key(), t, true) && t.sizes() == b.value().sizes()) b.value().copy_(t);
    }
    return n;
}

struct LoopJob {
    std::string path, kind;
    json metadata;
    models::MoleBlendImpl* model = nullptr;
    MoleBlendTrainOptions train;
    std::function<torch::Tensor(std::int64_t step, std::string& status)> loss;
    std::function<json()> validate;             // run with the EMA weights in eval mode
    std::function<void(const json&, EMA&)> on_validation;  // e.g. keep the best weights
    bool keep_training_state = true;           // optimiser + EMA in the file (for --resume)
};

MoleBlendTrainResult run_loop(LoopJob& job, const MoleBlendRunOptions& run) {
    auto& model = *job.model;
    const auto& opt = job.train;
    std::vector<torch::Tensor> params;
    for (auto& p : model.parameters())
        if (p.requires_grad()) params.push_back(p);
    torch::optim::AdamW optimizer(params, torch::optim::AdamWOptions(opt.lr).weight_decay(opt.weight_decay));
    AdamWStepper stepper(optimizer, run.device);  // the fused kernel on CUDA
    EMA ema(model, opt.ema_decay);
    std::int64_t step = 0;
    MoleBlendTrainResult result;

    if (run.resume) {
        auto a = open_archive(job.path, run.device);
        auto meta = read_moleblend_metadata(a, job.path, job.kind);
        if (meta["config"]["model"] != job.metadata["config"]["model"])
            fail("--resume: {} was trained with a different model config", job.path);
        torch::serialize::InputArchive m, e, o;
        a.read("model", m);
        model.load(m);
        a.read("ema", e);
        ema.load(e);
        a.read("optimizer", o);
        optimizer.load(o);
        stepper.reset();
        step = meta.at("step").get<std::int64_t>();
        result.validation = meta.value("validation", json());
        log_info("resuming {} from step {}", job.path, step);
    }

    auto save = [&]() {
        json meta = job.metadata;
        meta["step"] = step;
        if (!result.validation.is_null()) meta["validation"] = result.validation;
        torch::serialize::OutputArchive a, m, e, o;
        models::write_json(a, "metadata", meta);
        model.save(m);
        a.write("model", m);
        ema.save(e);
        a.write("ema", e);
        optimizer.save(o);
        a.write("optimizer", o);
        AtomicPath out(job.path);
        a.save_to(out.tmp_path());
        out.commit();
        result.checkpoint = job.path;
    };
    auto validate = [&]() {
        if (!job.validate) return;
        model.eval();
        ema.with_weights([&] {
            torch::NoGradGuard ng;
            result.validation = job.validate();
        });
        model.train();
        log_info("step {}: validation {}", step, result.validation.dump());
        if (job.on_validation) job.on_validation(result.validation, ema);
    };

    model.train();
    const auto t0 = std::chrono::steady_clock::now();
    std::int64_t done_here = 0;
    while (step < opt.steps) {
        if (run.stop_after > 0 && step >= run.stop_after) break;
        if (run.stop && run.stop->load()) {
            log_warn("interrupted at step {}: writing a checkpoint to resume from", step);
            break;
        }
        const double lr = lr_at(opt, step);
        for (auto& group : optimizer.param_groups()) static_cast<torch::optim::AdamWOptions&>(group.options()).lr(lr);
        std::string status;
        auto loss = job.loss(step, status);
        optimizer.zero_grad();
        loss.backward();
        torch::Tensor norm;
        if (opt.grad_clip > 0) norm = clip_gradients(params, opt.grad_clip);
        stepper.step();
        ema.update(step);
        // The one host synchronisation of the step, after the update is queued: a non-finite loss
        // or norm stops the run before the next checkpoint, so the last one on disk stays intact.
        const double value = read_step(loss, norm, {}, step, result.checkpoint).loss;
        ++step;
        ++done_here;
        result.losses.push_back(value);
        if (run.progress) {
            const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
            run.progress(std::size_t(step), std::size_t(opt.steps),
                         fmt::format("loss {:.4f}{} lr {:.1e} {:.2f} step/s", value, status, lr, double(done_here) / secs));
        }
        if (opt.validate_every > 0 && step % opt.validate_every == 0) validate();
        if (job.keep_training_state && opt.checkpoint_every > 0 && step % opt.checkpoint_every == 0) save();
    }
    const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    result.seconds_per_step = done_here ? secs / double(done_here) : 0.0;
    if (step >= opt.steps && (opt.validate_every == 0 || step % opt.validate_every != 0)) validate();
    if (job.keep_training_state) save();
    result.step = step;
    return result;
}

// The bond-path mean baseline of 3D distance recovery: the mean distance of every bond-path key
// (hop count, bond-type counts along the shortest path) over training molecules.
std::int64_t bond_path_key(const MoleBlendMolecule& m, std::int64_t i, std::int64_t j) {
    std::int64_t key = m.hops[std::size_t(i * m.n + j)];
    for (int t = 0; t < models::kBondTypes; ++t)
        key |= std::int64_t(m.path[std::size_t((i * m.n + j) * models::kBondTypes + t)]) << (8 * (t + 1));
    return key;
}
double pair_distance(const MoleBlendMolecule& m, std::int64_t i, std::int64_t j) {
    double s = 0;
    for (int d = 0; d < 3; ++d) s += std::pow(m.positions[std::size_t(i * 3 + d)] - m.positions[std::size_t(j * 3 + d)], 2);
    return std::sqrt(s);
}
std::map<std::int64_t, double> bond_path_means(const std::vector<MoleBlendMolecule>& set, std::size_t max_molecules) {
    std::map<std::int64_t, std::pair<double, double>> sums;
    for (std::size_t k = 0; k < std::min(max_molecules, set.size()); ++k) {
        const auto& m = set[k];
        for (std::int64_t i = 0; i < m.n; ++i)
            for (std::int64_t j = 0; j < m.n; ++j)
                if (i != j) {
                    auto& e = sums[bond_path_key(m, i, j)];
                    e.first += pair_distance(m, i, j);
                    e.second += 1;
                }
    }
    std::map<std::int64_t, double> means;
    for (const auto& [k, e] : sums) means[k] = e.first / e.second;
    return means;
}

models::MoleBlendOptions model_options(const json& config, std::int64_t num_targets) {
    auto o = models::moleblend_options_from_json(config.value("model", json::object()));
    o.num_targets = num_targets;
    return o;
}

}  // namespace

MoleBlendTrainResult pretrain_moleblend(const json& config, const std::vector<MoleBlendMolecule>& train_set,
                                        const std::vector<MoleBlendMolecule>& validation_set, const std::string& out_dir,
                                        const MoleBlendRunOptions& run) {
    if (train_set.empty()) fail("pretraining needs at least one molecule with a matched geometry");
    for (const auto& m : train_set)
        if (!m.has_geometry()) fail("pretraining molecule {} has no geometry", m.smiles);
    const auto opts = model_options(config, 0);
    const auto blend = models::blend_options_from_json(config.value("blend", json::object()));
    const auto weights = models::loss_weights_from_json(config.value("loss", json::object()));
    const auto train = moleblend_train_options_from_json(config.value("train", json::object()));
    const auto max_val = config.value("validation_molecules", std::int64_t(1000));

    json cfg = config;
    cfg["model"] = models::to_json(opts);
    cfg["blend"] = models::to_json(blend);
    cfg["loss"] = models::to_json(weights);
    cfg["train"] = to_json(train);

    torch::manual_seed(train.seed);
    models::MoleBlend model(opts);
    model->to(run.device);
    std::filesystem::create_directories(out_dir);

    LoopJob job;
    job.path = (std::filesystem::path(out_dir) / "moleblend.pt").string();
    job.kind = kMoleBlendPretrainedKind;
    job.metadata = checkpoint_metadata(job.kind, cfg);
    job.metadata["train_molecules"] = train_set.size();
    job.metadata["validation_molecules"] = validation_set.size();
    job.model = model.get();
    job.train = train;
    auto plan = molecule_plan(train_set, train);
    job.loss = [&](std::int64_t step, std::string& status) {
        auto batch = models::moleblend_batch(batch_for_step(train_set, plan, step), opts.max_hops)
                         .to(run.device);
        auto gen = step_generator(train.seed, step, 1);
        auto L = models::pretrain_losses(*model, batch, blend, weights, gen);
        status = fmt::format(" (dist {:.3f} spd {:.3f} edge {:.3f} noise {:.4f})", L.distance, L.spd, L.edge, L.denoise);
        return L.total;
    };
    const auto baseline = bond_path_means(train_set, 5000);
    if (!validation_set.empty())
        job.validate = [&]() {
            double model_abs = 0, base_abs = 0;
            std::int64_t compared = 0;
            const auto n = std::min<std::int64_t>(std::int64_t(validation_set.size()), max_val);
            double sums[8] = {0};
            std::int64_t batches = 0, pairs2d = 0;
            for (std::int64_t s = 0; s < n; s += train.batch_size) {
                std::vector<const MoleBlendMolecule*> mols;
                for (std::int64_t i = s; i < std::min(n, s + train.batch_size); ++i) mols.push_back(&validation_set[std::size_t(i)]);
                auto batch = models::moleblend_batch(mols, opts.max_hops).to(run.device);
                auto gen = step_generator(train.seed, s, 2);  // the same draws at every validation
                auto L = models::pretrain_losses(*model, batch, blend, weights, gen);
                const double v[8] = {L.total.item<double>(), L.distance, L.spd, L.edge, L.denoise, L.spd_accuracy,
                                     L.edge_accuracy, L.distance_mae_2d_only * double(L.pairs_2d_only)};
                for (int k = 0; k < 7; ++k) sums[k] += v[k];
                sums[7] += v[7];
                pairs2d += L.pairs_2d_only;
                ++batches;
                // The same 2D-only pairs, model vs the bond-path mean baseline (pairs of an unseen key skipped).
                auto shown = L.shown_2d_only.accessor<bool, 3>();
                auto pred = L.distance_prediction.accessor<float, 3>();
                for (std::size_t k = 0; k < mols.size(); ++k) {
                    const auto& m = *mols[k];
                    for (std::int64_t i = 0; i < m.n; ++i)
                        for (std::int64_t j = 0; j < m.n; ++j) {
                            if (!shown[std::int64_t(k)][i][j]) continue;
                            const auto it = baseline.find(bond_path_key(m, i, j));
                            if (it == baseline.end()) continue;
                            const double truth = pair_distance(m, i, j);
                            model_abs += std::abs(pred[std::int64_t(k)][i][j] - truth);
                            base_abs += std::abs(it->second - truth);
                            ++compared;
                        }
                }
            }
            const double b = double(std::max<std::int64_t>(1, batches));
            return json{{"loss", sums[0] / b},         {"distance_mse", sums[1] / b}, {"spd_ce", sums[2] / b},
                        {"edge_ce", sums[3] / b},      {"denoise_mse", sums[4] / b},  {"spd_accuracy", sums[5] / b},
                        {"edge_accuracy", sums[6] / b}, {"distance_mae_2d_only", pairs2d ? sums[7] / double(pairs2d) : 0.0},
                        {"distance_mae_2d_only_compared", compared ? model_abs / double(compared) : 0.0},
                        {"bond_path_baseline_mae", compared ? base_abs / double(compared) : 0.0},
                        {"pairs_compared", compared}};
        };
    return run_loop(job, run);
}

models::MoleBlend load_pretrained_moleblend(const std::string& path, json* metadata, std::int64_t num_targets) {
    auto a = open_archive(path, torch::kCPU);
    auto meta = read_moleblend_metadata(a, path, kMoleBlendPretrainedKind);
    auto opts = model_options(meta["config"], num_targets);
    models::MoleBlend model(opts);
    torch::serialize::InputArchive m;
    a.read("model", m);
    const auto loaded = load_matching(m, *model);
    // Every parameter of the pretrained network must come from the file (the fine-tuning
    // "property_head" is new): a silent partial load would fine-tune from mostly random weights.
    std::size_t expected = 0;
    for (const auto& p : model->named_parameters())
        if (p.key().rfind("property_head.", 0) != 0) ++expected;
    if (loaded < expected)
        fail("{}: only {} of the {} pretrained weight tensors found in the file", path, loaded, expected);
    torch::serialize::InputArchive e;
    if (a.try_read("ema", e)) load_matching(e, *model);
    if (metadata) *metadata = meta;
    return model;
}

namespace {

// Per-target MAE (reported units) of `model` on `set`, plus the mean normalised MAE.
json property_errors(models::MoleBlendImpl& model, const std::vector<MoleBlendMolecule>& set, const FinetuneSpec& spec,
                     const std::vector<double>& mean, const std::vector<double>& stdev, std::int64_t batch_size,
                     const torch::Device& device) {
    const auto T = std::int64_t(spec.targets.size());
    std::vector<double> abs_sum(std::size_t(T), 0.0);
    std::int64_t count = 0;
    auto mean_t = torch::tensor(std::vector<float>(mean.begin(), mean.end())).to(device);
    auto std_t = torch::tensor(std::vector<float>(stdev.begin(), stdev.end())).to(device);
    for (std::size_t s = 0; s < set.size(); s += std::size_t(batch_size)) {
        std::vector<const MoleBlendMolecule*> mols;
        for (std::size_t i = s; i < std::min(set.size(), s + std::size_t(batch_size)); ++i) mols.push_back(&set[i]);
        auto b = models::moleblend_batch(mols, model.options().max_hops).to(device);
        auto h = model.encode(b, b.positions, {}, spec.use_3d ? models::RelationMode::all : models::RelationMode::two_d);
        auto pred = model.properties(h, b.mask) * std_t + mean_t;
        auto err = (pred - b.targets).abs().sum(0).to(torch::kCPU);
        for (std::int64_t t = 0; t < T; ++t) abs_sum[std::size_t(t)] += err[t].item<double>();
        count += b.size();
    }
    json out = json::object();
    double normalised = 0;
    for (std::int64_t t = 0; t < T; ++t) {
        const auto& tg = spec.targets[std::size_t(t)];
        const double mae = abs_sum[std::size_t(t)] / double(std::max<std::int64_t>(1, count));
        out[tg.name] = mae * tg.to_report;
        normalised += mae / stdev[std::size_t(t)] / double(T);
    }
    out["units"] = json::object();
    for (const auto& tg : spec.targets) out["units"][tg.name] = tg.report_unit;
    out["normalised_mae"] = normalised;
    out["molecules"] = count;
    return out;
}

}  // namespace

MoleBlendTrainResult finetune_moleblend(const json& config, const std::string& from, const FinetuneSpec& spec,
                                        const std::vector<MoleBlendMolecule>& train_set,
                                        const std::vector<MoleBlendMolecule>& validation_set,
                                        const std::vector<MoleBlendMolecule>& test_set, const std::string& out_dir,
                                        const MoleBlendRunOptions& run) {
    if (spec.targets.empty()) fail("fine-tuning needs at least one target");
    if (train_set.empty()) fail("fine-tuning needs training molecules");
    const auto T = std::int64_t(spec.targets.size());
    const auto train = moleblend_train_options_from_json(config.value("train", json::object()));
    const std::string loss_kind = config.value("loss", std::string("l1"));
    if (loss_kind != "l1" && loss_kind != "mse") fail("fine-tune loss must be \"l1\" or \"mse\", not \"{}\"", loss_kind);
    torch::manual_seed(train.seed);

    models::MoleBlend model{nullptr};
    json source;
    if (from == "scratch") {
        model = models::MoleBlend(model_options(config, T));
        source = "scratch";
    } else {
        json meta;
        model = load_pretrained_moleblend(from, &meta, T);
        source = {{"path", from}, {"step", meta.value("step", 0)}};
    }
    model->to(run.device);

    // Target normalisation from the training set (model units).
    std::vector<double> mean(std::size_t(T), 0.0), stdev(std::size_t(T), 0.0);
    for (const auto& m : train_set)
        for (std::int64_t t = 0; t < T; ++t) mean[std::size_t(t)] += m.targets[std::size_t(t)];
    for (auto& v : mean) v /= double(train_set.size());
    for (const auto& m : train_set)
        for (std::int64_t t = 0; t < T; ++t) stdev[std::size_t(t)] += std::pow(m.targets[std::size_t(t)] - mean[std::size_t(t)], 2);
    for (auto& v : stdev) v = std::max(1e-8, std::sqrt(v / double(train_set.size())));
    auto mean_t = torch::tensor(std::vector<float>(mean.begin(), mean.end())).to(run.device);
    auto std_t = torch::tensor(std::vector<float>(stdev.begin(), stdev.end())).to(run.device);

    json cfg = config;
    cfg["model"] = models::to_json(model->options());
    cfg["train"] = to_json(train);
    json targets = json::array();
    for (const auto& t : spec.targets) targets.push_back(to_json(t));

    std::filesystem::create_directories(out_dir);
    LoopJob job;
    job.path = (std::filesystem::path(out_dir) / "model.pt").string();
    job.kind = kMoleBlendPropertyKind;
    job.metadata = checkpoint_metadata(job.kind, cfg);
    job.metadata["task"] = spec.task;
    job.metadata["targets"] = targets;
    job.metadata["normalization"] = {{"mean", mean}, {"std", stdev}};
    job.metadata["use_3d"] = spec.use_3d;
    job.metadata["from"] = source;
    job.metadata["train_molecules"] = train_set.size();
    job.model = model.get();
    job.train = train;
    job.keep_training_state = false;
    const auto mode = spec.use_3d ? models::RelationMode::all : models::RelationMode::two_d;
    auto plan = molecule_plan(train_set, train);
    job.loss = [&](std::int64_t step, std::string&) {
        auto b = models::moleblend_batch(batch_for_step(train_set, plan, step), model->options().max_hops)
                     .to(run.device);
        auto h = model->encode(b, b.positions, {}, mode);
        auto pred = model->properties(h, b.mask);
        auto target = (b.targets - mean_t) / std_t;
        return loss_kind == "l1" ? (pred - target).abs().mean() : (pred - target).pow(2).mean();
    };
    std::map<std::string, torch::Tensor> best;
    double best_score = std::numeric_limits<double>::infinity();
    json best_validation;
    const auto& val = validation_set.empty() ? train_set : validation_set;
    job.validate = [&]() { return property_errors(*model, val, spec, mean, stdev, train.batch_size, run.device); };
    job.on_validation = [&](const json& v, EMA& ema) {
        const double score = v.at("normalised_mae").get<double>();
        if (score < best_score) {
            best_score = score;
            best = ema.snapshot();
            best_validation = v;
        }
    };
    auto result = run_loop(job, run);

    // The best EMA weights become the model; test MAEs with them.
    {
        torch::NoGradGuard g;
        for (auto& p : model->named_parameters()) p.value().copy_(best.at(p.key()));
    }
    model->eval();
    result.validation = best_validation;
    if (!test_set.empty()) {
        torch::NoGradGuard ng;
        result.test = property_errors(*model, test_set, spec, mean, stdev, train.batch_size, run.device);
    }
    json meta = job.metadata;
    meta["step"] = result.step;
    meta["validation"] = result.validation;
    if (!result.test.is_null()) meta["test"] = result.test;
    torch::serialize::OutputArchive a, m;
    models::write_json(a, "metadata", meta);
    model->save(m);
    a.write("model", m);
    AtomicPath out(job.path);
    a.save_to(out.tmp_path());
    out.commit();
    result.checkpoint = job.path;
    return result;
}

PropertyModel load_property_model(const std::string& path, const torch::Device& device) {
    auto a = open_archive(path, torch::kCPU);
    PropertyModel pm;
    pm.metadata = read_moleblend_metadata(a, path, kMoleBlendPropertyKind);
    for (const auto& t : pm.metadata.at("targets")) pm.targets.push_back(property_target_from_json(t));
    pm.mean = pm.metadata.at("normalization").at("mean").get<std::vector<double>>();
    pm.std = pm.metadata.at("normalization").at("std").get<std::vector<double>>();
    pm.use_3d = pm.metadata.value("use_3d", false);
    pm.model = models::MoleBlend(model_options(pm.metadata["config"], std::int64_t(pm.targets.size())));
    torch::serialize::InputArchive m;
    a.read("model", m);
    nn::load_module(*pm.model, m, path);
    pm.model->to(device);
    pm.model->eval();
    pm.device = device;
    return pm;
}

std::vector<std::vector<double>> predict_properties(PropertyModel& pm, const std::vector<MoleBlendMolecule>& molecules,
                                                    std::int64_t batch_size) {
    torch::NoGradGuard ng;
    const auto T = pm.targets.size();
    auto mean_t = torch::tensor(std::vector<float>(pm.mean.begin(), pm.mean.end())).to(pm.device);
    auto std_t = torch::tensor(std::vector<float>(pm.std.begin(), pm.std.end())).to(pm.device);
    std::vector<std::vector<double>> out;
    for (std::size_t s = 0; s < molecules.size(); s += std::size_t(batch_size)) {
        std::vector<const MoleBlendMolecule*> mols;
        for (std::size_t i = s; i < std::min(molecules.size(), s + std::size_t(batch_size)); ++i) {
            if (pm.use_3d && !molecules[i].has_geometry()) fail("this model was fine-tuned with 3D input and needs geometries");
            mols.push_back(&molecules[i]);
        }
        auto b = models::moleblend_batch(mols, pm.model->options().max_hops).to(pm.device);
        auto h = pm.model->encode(b, b.positions, {}, pm.use_3d ? models::RelationMode::all : models::RelationMode::two_d);
        auto pred = (pm.model->properties(h, b.mask) * std_t + mean_t).to(torch::kCPU).to(torch::kFloat64);
        for (std::int64_t k = 0; k < b.size(); ++k) {
            std::vector<double> row(T);
            for (std::size_t t = 0; t < T; ++t) row[t] = pred[k][std::int64_t(t)].item<double>();
            out.push_back(std::move(row));
        }
    }
    return out;
}

}  // namespace adit::train
