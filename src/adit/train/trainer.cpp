// The training loop shared by the VAE and the DiT (see trainer.hpp).
#include "adit/train/trainer.hpp"

#include <torch/version.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>

#include "adit/core/error.hpp"
#include "adit/data/batch.hpp"
#include "adit/data/dataset.hpp"
#include "adit/io/text_file.hpp"
#include "adit/models/checkpoint.hpp"
#include "adit/nn/device.hpp"
#include "adit/train/batch_plan.hpp"
#include "adit/train/distributed.hpp"
#include "adit/train/ema.hpp"
#include "adit/train/graphed_step.hpp"
#include "adit/train/lr_schedule.hpp"
#include "adit/train/optimizer_step.hpp"
#include "adit/train/step_readout.hpp"

namespace adit::train {

using nlohmann::json;

json to_json(const TrainOptions& o) {
    return {{"steps", o.steps},       {"batch_size", o.batch_size},   {"lr", o.lr},
            {"lr_schedule", o.lr_schedule}, {"warmup_steps", o.warmup_steps}, {"min_lr_ratio", o.min_lr_ratio},
            {"freeze_encoder", o.freeze_encoder},
            {"weight_decay", o.weight_decay}, {"ema_decay", o.ema_decay}, {"grad_clip", o.grad_clip},
            {"checkpoint_every", o.checkpoint_every}, {"validate_every", o.validate_every}, {"seed", o.seed},
            {"augment_rotations", o.augment_rotations}, {"precision", o.precision},
            {"bucket_by_size", o.bucket_by_size}, {"shards", o.shards}, {"cuda_graph", o.cuda_graph}};
}

TrainOptions train_options_from_json(const json& j) {
    TrainOptions o;
    o.steps = j.value("steps", o.steps);
    o.batch_size = j.value("batch_size", o.batch_size);
    o.lr = j.value("lr", o.lr);
    o.lr_schedule = j.value("lr_schedule", o.lr_schedule);
    o.warmup_steps = j.value("warmup_steps", o.warmup_steps);
    o.min_lr_ratio = j.value("min_lr_ratio", o.min_lr_ratio);
    o.freeze_encoder = j.value("freeze_encoder", o.freeze_encoder);
    o.weight_decay = j.value("weight_decay", o.weight_decay);
    o.ema_decay = j.value("ema_decay", o.ema_decay);
    o.grad_clip = j.value("grad_clip", o.grad_clip);
    o.checkpoint_every = j.value("checkpoint_every", o.checkpoint_every);
    o.validate_every = j.value("validate_every", o.validate_every);
    o.seed = j.value("seed", o.seed);
    o.augment_rotations = j.value("augment_rotations", o.augment_rotations);
    o.precision = nn::to_string(nn::parse_precision(j.value("precision", o.precision)));
    o.bucket_by_size = j.value("bucket_by_size", o.bucket_by_size);
    o.shards = j.value("shards", o.shards);
    o.cuda_graph = j.value("cuda_graph", o.cuda_graph);
    if (o.steps < 0 || o.batch_size < 1) fail("train.steps must be >= 0 and train.batch_size >= 1");
    if (!(o.lr > 0)) fail("train.lr must be positive");
    if (o.lr_schedule != "constant" && o.lr_schedule != "cosine")
        fail("train.lr_schedule must be \"constant\" or \"cosine\", not \"{}\"", o.lr_schedule);
    if (o.warmup_steps < 0) fail("train.warmup_steps must be >= 0");
    if (o.min_lr_ratio < 0 || o.min_lr_ratio > 1) fail("train.min_lr_ratio must be in [0, 1]");
    if (o.ema_decay < 0 || o.ema_decay >= 1) fail("train.ema_decay must be in [0, 1)");
    return o;
}

json atom_count_histogram(const std::vector<Structure>& structures) {
    std::vector<std::int64_t> mol, cry;
    for (const auto& s : structures) {
        auto& h = s.is_periodic() ? cry : mol;
        if (h.size() <= s.size()) h.resize(s.size() + 1, 0);
        ++h[s.size()];
    }
    return {{"molecule", mol}, {"crystal", cry}};
}

namespace {

// The structures of batch `step` (the plan says which: batch_plan.hpp).
std::vector<Structure> batch_for_step(const std::vector<Structure>& data, BatchPlan& plan, std::int64_t step) {
    std::vector<Structure> out;
    for (auto i : plan.indices(step)) out.push_back(data[std::size_t(i)]);
    return out;
}

// Rotates every molecule of the batch by its own uniformly random rotation (about the origin,
// where collate centred it); crystals are left as they are.
data::Batch rotate_molecules(data::Batch b) {
    const auto B = b.size();
    // Drawn on the CPU whatever the device, so that a seed gives the same rotations everywhere;
    // Shoemake's quaternion method from three uniforms (a QR of Gaussian matrices cost ~1 ms
    // per batch of 512, on the training step's critical path).
    auto u = torch::rand({B, 3}, torch::kFloat64);
    auto R = torch::empty({B, 3, 3}, torch::kFloat64);
    const double* up = u.data_ptr<double>();
    double* rp = R.data_ptr<double>();
    for (std::int64_t i = 0; i < B; ++i) data::random_rotation(up[3 * i], up[3 * i + 1], up[3 * i + 2], rp + 9 * i);
    R = R.to(b.positions.device(), torch::kFloat32);
    auto molecule = (b.system == data::kMolecule).to(torch::kFloat32).view({B, 1, 1});
    b.positions = molecule * torch::matmul(b.positions, R) + (1 - molecule) * b.positions;
    return b;
}

struct Job {
    std::string kind;                                            // "vae" | "dit"
    torch::nn::Module* model = nullptr;
    std::function<torch::Tensor(const data::Batch&)> loss;      // scalar
    std::function<json()> validate;                              // may be empty
    std::function<void(torch::serialize::OutputArchive&)> extra; // e.g. the embedded VAE
    json metadata;                                               // without "step"
};

// The metadata of a checkpoint that `option` (--resume, --init) continues from: this run's kind
// and the same model config, or an adit::Error naming the option and the file.
json checked_run_metadata(torch::serialize::InputArchive& a, const std::string& path, const Job& job,
                          const std::string& option) {
    auto meta = models::read_json(a, "metadata");
    models::check_metadata(meta, path, job.kind);
    if (meta["config"]["model"] != job.metadata["config"]["model"])
        fail("{}: {} was trained with a different model config than this run's", option, path);
    return meta;
}

// --init: the weights (EMA when stored) of another run of the same model, copied in before training.
void init_weights(torch::nn::Module& model, const Job& job, const std::string& path) {
    if (!std::filesystem::exists(path)) fail("--init: {} does not exist", path);
    torch::serialize::InputArchive a;
    a.load_from(path, torch::Device(torch::kCPU));
    const auto meta = checked_run_metadata(a, path, job, "--init");
    torch::serialize::InputArchive m;
    a.read("model", m);
    nn::load_module(model, m, path);
    models::load_ema_into(a, model);
    log_info("initialised {} from {} (step {} there)", job.kind, path, meta.value("step", std::int64_t(0)));
}

TrainResult run(Job& job, const std::vector<Structure>& data, const TrainOptions& opt, const std::string& out_dir,
                const RunOptions& run_options) {
    if (data.empty()) fail("no training structures");
    std::filesystem::create_directories(out_dir);
    const std::string path = (std::filesystem::path(out_dir) / (job.kind + ".pt")).string();
    const torch::Device device = nn::parse_device(run_options.device);
    const auto precision = nn::parse_precision(run_options.precision.empty() ? opt.precision : run_options.precision);
    auto& model = *job.model;
    if (!run_options.resume && !run_options.init_from.empty()) init_weights(model, job, run_options.init_from);
    model.to(device);  // before the optimiser and the EMA take their references
    std::vector<torch::Tensor> params;
    for (auto& p : model.parameters())
        if (p.requires_grad()) params.push_back(p);
    torch::optim::AdamW optimizer(params, torch::optim::AdamWOptions(opt.lr).weight_decay(opt.weight_decay));
    AdamWStepper stepper(optimizer, device);
    // [distributed] rank 0's weights everywhere, gradient hooks, the shards of each global batch.
    DataParallel parallel(run_options.process_group, model, params, opt.seed, opt.shards);
    EMA ema(model, opt.ema_decay);
    std::int64_t step = 0;
    TrainResult result;

    if (run_options.resume) {
        if (!std::filesystem::exists(path)) fail("--resume: {} does not exist", path);
        torch::serialize::InputArchive a;
        a.load_from(path, device);  // written with CPU tensors; mapped straight onto this run's device
        const auto meta = checked_run_metadata(a, path, job, "--resume");
        if (meta.contains("release"))
            fail("--resume: {} is a release file without training state; start a new run from it with --init", path);
        torch::serialize::InputArchive m, e, o;
        a.read("model", m);
        model.load(m);
        a.read("ema", e);
        ema.load(e);
        a.read("optimizer", o);
        optimizer.load(o);
        move_optimizer_state(optimizer, device);
        stepper.reset();
        std::vector<torch::Tensor> states(1);
        a.read("rng", states[0]);
        torch::Tensor cuda_state;
        // The CUDA generator's state only continues on a CUDA run; a CPU run of a CUDA checkpoint
        // (or the reverse) resumes the data order and weights exactly, the noise draws differ.
        if (device.is_cuda() && a.try_read("rng_cuda", cuda_state)) states.push_back(cuda_state);
        nn::set_generator_states(device, states);
        step = meta.at("step").get<std::int64_t>();
        result.validation = meta.value("validation", json());
        log_info("resuming {} from step {}", path, step);
    }
    std::unique_ptr<GraphedSteps> graphed;  // train.cuda_graph: each batch shape's step replayed
    if (opt.cuda_graph) {
        if (run_options.process_group || opt.shards > 1)
            fail("train.cuda_graph runs one process with one shard (no --distributed, train.shards <= 1)");
        GraphedSteps::Parts parts;
        parts.loss = job.loss;
        parts.params = params;
        parts.stepper = &stepper;
        parts.ema = &ema;
        parts.grad_clip = opt.grad_clip;
        parts.device = device;
        parts.precision = precision;
        graphed = std::make_unique<GraphedSteps>(std::move(parts));
    }
    log_info("training {} on {} ({}{})", job.kind, device.str(), nn::to_string(precision),
             precision == nn::Precision::bf16 && !device.is_cuda() ? ": bf16 applies on CUDA only, fp32 here" : "");

    auto save = [&]() {
        result.checkpoint = path;
        if (!parallel.is_main()) return;  // [distributed] rank 0 writes
        json meta = job.metadata;
        meta["step"] = step;
        if (!result.validation.is_null()) meta["validation"] = result.validation;
        torch::serialize::OutputArchive a, m, e, o;
        models::write_json(a, "metadata", meta);
        nn::save_module_cpu(model, m);
        a.write("model", m);
        ema.save(e);
        a.write("ema", e);
        save_optimizer_cpu(optimizer, o);  // the device moments stay the same tensors
        a.write("optimizer", o);
        const auto states = nn::generator_states(device);
        a.write("rng", states[0]);
        if (states.size() > 1) a.write("rng_cuda", states[1]);
        if (job.extra) job.extra(a);
        AtomicPath out(path);
        a.save_to(out.tmp_path());
        out.commit();
    };
    auto validate = [&]() {
        if (!job.validate || !parallel.is_main()) return;
        model.eval();
        ema.with_weights([&] {
            nn::AutocastGuard autocast(device, precision);
            result.validation = job.validate();
        });
        model.train();
        log_info("step {}: validation {}", step, result.validation.dump());
    };

    std::vector<std::int64_t> sizes;
    sizes.reserve(data.size());
    for (const auto& s : data) sizes.push_back(std::int64_t(s.size()));
    BatchPlan plan(std::move(sizes), opt.batch_size, opt.seed, opt.bucket_by_size);

    // Structures collated onto the device, molecules randomly rotated (the rotations are drawn on
    // the CPU, after the caller has set the step's or shard's seed).
    auto on_device = [&](const std::vector<Structure>& structures) {
        auto batch = data::collate(structures).to(device);
        return opt.augment_rotations ? rotate_molecules(batch) : batch;
    };
    // train.cuda_graph: the next step's batch is chosen, collated, rotated and uploaded while the
    // GPU replays this one (the replay is queued before the loss is read), so the host's share of
    // a step overlaps the GPU's. The rotations draw from the CPU generator seeded for their step,
    // as without the look-ahead; the step's own seed is set again right before its replay.
    std::optional<std::pair<std::int64_t, data::Batch>> prepared;
    auto graphed_batch = [&](std::int64_t s) {
        if (prepared && prepared->first == s) {
            auto batch = std::move(prepared->second);
            prepared.reset();
            return batch;
        }
        torch::manual_seed(shard_seed(opt.seed, s, 0));  // as DataParallel's one shard
        return on_device(batch_for_step(data, plan, s));
    };

    model.train();
    const auto t0 = std::chrono::steady_clock::now();
    std::int64_t done_here = 0;
    bool stop_agreed = false;  // [distributed] every rank stops at the same step
    while (step < opt.steps) {
        if (run_options.stop_after > 0 && step >= run_options.stop_after) break;
        if (stop_agreed || (!run_options.process_group && run_options.stop && run_options.stop->load())) {
            log_warn("interrupted at step {}: writing a checkpoint to resume from", step);
            break;
        }
        const double lr = scheduled_lr(opt.lr, step, opt.steps, opt.warmup_steps, opt.lr_schedule == "cosine", opt.min_lr_ratio);
        for (auto& group : optimizer.param_groups()) static_cast<torch::optim::AdamWOptions&>(group.options()).lr(lr);
        // A shard of the global batch on the device (DataParallel sets the shard's seed first).
        std::vector<Structure> global_batch;
        if (!graphed) global_batch = batch_for_step(data, plan, step);
        auto device_batch = [&](std::size_t begin, std::size_t end) {
            if (begin == 0 && end == global_batch.size()) return on_device(global_batch);  // one shard: no second copy
            return on_device(std::vector<Structure>(global_batch.begin() + long(begin), global_batch.begin() + long(end)));
        };
        torch::Tensor loss, stop, norm;
        if (graphed) {
            auto batch = graphed_batch(step);
            torch::manual_seed(shard_seed(opt.seed, step, 0));  // the step's noise, as DataParallel's one shard
            const auto r = graphed->step(batch, lr, ema.decay_at(step));
            loss = r.loss;
            norm = r.norm;
            if (step + 1 < opt.steps) prepared.emplace(step + 1, graphed_batch(step + 1));
        } else {
            optimizer.zero_grad();
            // [distributed] this rank's shards of the global batch: loss, backward, gradient all-reduce.
            const auto stepped = parallel.step(
                step, global_batch.size(),
                [&](std::size_t begin, std::size_t end) {
                    auto batch = device_batch(begin, end);
                    nn::AutocastGuard autocast(device, precision);  // forward under autocast, backward outside
                    return job.loss(batch).to(torch::kFloat32);
                },
                run_options.stop && run_options.stop->load());
            loss = stepped.loss;
            stop = stepped.stop;
            if (opt.grad_clip > 0) norm = clip_gradients(params, opt.grad_clip);
            stepper.step();
            ema.update(step);
        }
        // The one host synchronisation of the step, read after the step is queued.
        const auto read = read_step(loss, norm, stop, step, result.checkpoint);
        const double value = read.loss;
        stop_agreed = stop.defined() ? read.stop : run_options.stop && run_options.stop->load();
        ++step;
        ++done_here;
        result.losses.push_back(value);
        if (run_options.progress && parallel.is_main()) {
            const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
            run_options.progress(std::size_t(step), std::size_t(opt.steps),
                                 fmt::format("loss {:.4f} lr {:.1e} {:.1f} step/s", value, lr, double(done_here) / secs));
        }
        if (opt.validate_every > 0 && step % opt.validate_every == 0) validate();
        if (opt.checkpoint_every > 0 && step % opt.checkpoint_every == 0) save();
    }
    const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    result.seconds_per_step = done_here ? secs / double(done_here) : 0.0;
    if (step >= opt.steps && (opt.validate_every == 0 || step % opt.validate_every != 0)) validate();
    save();
    parallel.barrier();  // [distributed] the checkpoint is complete before any rank returns
    result.step = step;
    return result;
}

// The metadata of the weights a run continues (--resume: <out>/<kind>.pt, --init: that file),
// when there are any; run() checks the file itself and reports a missing one.
std::optional<json> continued_metadata(const RunOptions& run_options, const std::string& out_dir, const std::string& kind) {
    const std::string path =
        run_options.resume ? (std::filesystem::path(out_dir) / (kind + ".pt")).string() : run_options.init_from;
    if (path.empty() || !std::filesystem::exists(path)) return std::nullopt;
    return models::read_checkpoint_metadata(path, kind);
}

json base_metadata(const std::string& kind, const json& config) {
    return {{"format_version", models::kCheckpointFormatVersion},
            {"kind", kind},
            {"adit_version", ADIT_VERSION},
            {"config", config}};
}

}  // namespace

TrainResult train_vae(const json& config_in, const std::vector<Structure>& train_set,
                      const std::vector<Structure>& validation_set, const std::string& out_dir, const RunOptions& run_options) {
    json config = config_in;
    const auto opt = train_options_from_json(config.value("train", json::object()));
    const auto model_options = models::vae_options_from_json(config.value("model", json::object()));
    config["model"] = models::to_json(model_options);  // the full, resolved config is what gets stored
    config["train"] = to_json(opt);
    for (const auto& s : train_set)
        for (int z : s.numbers)
            if (z < 1 || z > model_options.max_atomic_number)
                fail("{}: atomic number {} is outside the model's vocabulary 1..{}", s.id, z, model_options.max_atomic_number);
    // Weights continued from another run (--resume, --init) keep the normalisation they were
    // trained with (their buffers hold it; the metadata must say the same).
    const auto continued = continued_metadata(run_options, out_dir, "vae");
    const auto norm = continued ? models::normalization_from_json(continued->at("normalization"))
                                : models::compute_normalization(data::collate(train_set));
    torch::manual_seed(opt.seed);
    models::VAE vae(model_options, norm);
    if (opt.freeze_encoder) {
        if (run_options.init_from.empty() && !run_options.resume)
            fail("train.freeze_encoder keeps a trained encoder: start from one with --init (or --resume a run)");
        for (auto& p : vae->encoder_parameters()) p.set_requires_grad(false);
        log_info("encoder frozen: training the decoder only (the latent space stays the --init model's)");
    }

    Job job;
    job.kind = "vae";
    job.model = vae.get();
    job.metadata = base_metadata("vae", config);
    job.metadata["normalization"] = models::to_json(norm);
    job.metadata["element_vocabulary"] = {{"encoding", "atomic_number"}, {"min", 1}, {"max", model_options.max_atomic_number}};
    job.loss = [&](const data::Batch& b) {
        return vae->loss(b, true, /*metrics=*/false).total;
    };
    const auto& val = validation_set.empty() ? train_set : validation_set;
    job.validate = [&]() {
        torch::NoGradGuard g;
        auto r = vae->loss(data::collate(val).to(vae->parameters().front().device()), false);
        return json{{"structures", val.size()},         {"loss", r.total.item<double>()},
                    {"type_accuracy", r.type_accuracy}, {"cartesian_rmsd_angstrom", r.cartesian_rmsd},
                    {"fractional_rmse", r.fractional_rmse}, {"lattice_length_mae_angstrom", r.length_mae},
                    {"lattice_angle_mae_degrees", r.angle_mae}};
    };
    return run(job, train_set, opt, out_dir, run_options);
}

namespace {

// The DiT loop over a frozen VAE. `init` (optional) overwrites the freshly built DiT's weights;
// `latent_scale` <= 0 means: measure it on the training set.
TrainResult train_dit_on(json config, models::VAE vae, json vae_meta, const std::string& vae_source,
                         const std::vector<Structure>& train_set, const std::string& out_dir, const RunOptions& run_options,
                         const std::function<void(models::DiTImpl&)>& init, double scale) {
    for (auto& p : vae->parameters()) p.set_requires_grad(false);
    vae->eval();
    const torch::Device device = nn::parse_device(run_options.device);
    vae->to(device);
    const auto opt = train_options_from_json(config.value("train", json::object()));
    auto model_json = config.value("model", json::object());
    model_json["latent_dim"] = vae->options().latent_dim;  // the DiT works in the VAE's latent space
    const auto model_options = models::dit_options_from_json(model_json);
    config["model"] = models::to_json(model_options);
    config["train"] = to_json(opt);

    // Weights continued from another run (--resume, --init) were trained on latents divided by
    // that run's scale: keep it, even if this run's data would measure a slightly different one.
    if (scale <= 0) {
        const auto continued = continued_metadata(run_options, out_dir, "dit");
        if (continued && continued->contains("latent_scale")) {
            scale = continued->at("latent_scale").get<double>();
            log_info("latent scale {:.6f} from the continued run", scale);
        }
    }
    if (scale <= 0) {
        // Latent scale: RMS of the VAE means over all real atoms of the training set.
        torch::NoGradGuard g;
        double sum2 = 0, count = 0;
        for (std::size_t i = 0; i < train_set.size(); i += 256) {
            std::vector<Structure> chunk(train_set.begin() + long(i), train_set.begin() + long(std::min(train_set.size(), i + 256)));
            auto b = data::collate(chunk).to(device);
            auto mu = vae->encode(b, false).first;
            auto maskf = b.mask.to(torch::kFloat32).unsqueeze(-1);
            sum2 += (mu.pow(2) * maskf).sum().item<double>();
            count += maskf.sum().item<double>() * double(mu.size(-1));
        }
        scale = (count > 0 && sum2 > 0) ? std::sqrt(sum2 / count) : 1.0;
    }
    torch::manual_seed(opt.seed);
    models::DiT dit(model_options, scale);
    if (init) init(*dit);

    Job job;
    job.kind = "dit";
    job.model = dit.get();
    job.metadata = base_metadata("dit", config);
    job.metadata["vae_file"] = vae_source;
    job.metadata["latent_scale"] = scale;
    job.metadata["atom_count_histogram"] = atom_count_histogram(train_set);
    job.loss = [&](const data::Batch& batch) {
        torch::Tensor x1;
        {
            torch::NoGradGuard g;
            x1 = vae->encode(batch, false).first.to(torch::kFloat32) / scale;  // fp32 under autocast too
        }
        return dit->loss(x1, batch.system, batch.mask);
    };
    if (run_options.dit_validation)
        job.validate = [&]() {
            models::LoadedDiT current;  // the DiT holds its EMA weights while this runs
            current.model = dit;
            current.vae = vae;
            current.metadata = job.metadata;
            return run_options.dit_validation(current);
        };
    job.extra = [&](torch::serialize::OutputArchive& a) {
        torch::serialize::OutputArchive v, m;
        vae_meta.erase("validation");
        models::write_json(v, "metadata", vae_meta);
        nn::save_module_cpu(*vae, m);  // the weights sampling uses (EMA)
        v.write("model", m);
        a.write("vae", v);
    };
    return run(job, train_set, opt, out_dir, run_options);
}

}  // namespace

TrainResult train_dit(const json& config, const std::string& vae_path, const std::vector<Structure>& train_set,
                      const std::string& out_dir, const RunOptions& run_options) {
    auto loaded = models::load_vae(vae_path, /*ema=*/true);
    // --init from a DiT with fewer layers than this config's, otherwise the same: deepen it
    // (models::deepen_into: its blocks first, identity blocks after) instead of copying it.
    if (!run_options.resume && !run_options.init_from.empty() && std::filesystem::exists(run_options.init_from)) {
        const auto meta = models::read_checkpoint_metadata(run_options.init_from, "dit");
        auto model_json = config.value("model", json::object());
        model_json["latent_dim"] = loaded.model->options().latent_dim;
        const auto wanted = models::dit_options_from_json(model_json).num_layers;
        const auto stored = meta["config"]["model"].value("num_layers", wanted);
        if (wanted > stored) {
            auto source = models::load_dit(run_options.init_from, /*ema=*/true);
            log_info("deepening {} from {} to {} layers (the added blocks start as the identity)", run_options.init_from,
                     stored, wanted);
            json grown = config;
            grown["deepened_from"] = {{"file", run_options.init_from}, {"step", meta.value("step", std::int64_t(0))},
                                      {"layers", stored}};
            RunOptions run = run_options;
            run.init_from.clear();
            return train_dit_on(grown, loaded.model, loaded.metadata, vae_path, train_set, out_dir, run,
                                [&](models::DiTImpl& dit) { models::deepen_into(*source.model, dit); },
                                source.model->latent_scale());
        }
    }
    return train_dit_on(config, loaded.model, loaded.metadata, vae_path, train_set, out_dir, run_options, {}, 0.0);
}

TrainResult compress_dit(const json& config_in, const std::string& model_path, const std::string& vae_path,
                         const std::vector<Structure>& train_set, const std::string& out_dir, const RunOptions& run_options) {
    auto source = models::load_dit(model_path, /*ema=*/true);
    // The VAE to fine-tune with: the embedded one, or the same one read whole from vae_path.
    models::LoadedVAE vae{source.vae, source.metadata["vae_metadata"]};
    std::string vae_source = model_path + " (embedded VAE)";
    if (!vae_path.empty()) {
        vae = models::load_vae(vae_path, /*ema=*/true);
        models::check_same_vae(source, model_path, vae, vae_path, "--vae");
        vae_source = vae_path;
    }
    const auto& src = source.model->options();
    if (src.attention != "standard") fail("{}: already uses {} attention; compress needs a standard model", model_path, src.attention);
    json config = config_in;
    json model = source.metadata["config"]["model"];
    model["attention"] = "masa";
    model["masa_atoms"] = config.value("model", json::object()).value("masa_atoms", std::max<std::int64_t>(1, src.num_layers / 3));
    config["model"] = model;
    config["compressed_from"] = {{"file", model_path}, {"step", source.metadata.value("step", 0)}};
    auto init = [&](models::DiTImpl& dit) {
        torch::NoGradGuard g;
        auto from = source.model->named_parameters();
        for (auto& p : dit.named_parameters())
            if (auto* t = from.find(p.key()); t && t->sizes() == p.value().sizes()) p.value().copy_(*t);
        nn::masa_from_standard(*source.model->blocks->attention, *dit.blocks->attention);
    };
    return train_dit_on(config, vae.model, vae.metadata, vae_source, train_set, out_dir, run_options, init,
                        source.model->latent_scale());
}

}  // namespace adit::train
