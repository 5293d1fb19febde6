// Release files: what `adit export` writes for shipping a trained model. A release keeps the
// checkpoint's metadata and layout (so every loader reads it unchanged) but
//   - holds the EMA weights, when the checkpoint has them, as its "model" weights;
//   - stores every large floating tensor (>= kReleaseMinHalfElements values) in half precision
//     (fp16, or bf16 on request); small ones (norms, biases, buffers) and any tensor outside
//     fp16's range stay fp32, since they cost nothing and some carry exact constants;
//   - drops the training state (EMA copy, optimiser moments, random generator states), so it
//     cannot be --resume'd, only sampled from, evaluated or used to start a new run.
// Loaders cast the weights back to fp32 (nn::load_module). Works for every adit model file:
// VAE, DiT (its embedded VAE too), conformer and MoleBLEND checkpoints. A sampling-only DiT
// release also leaves out its embedded VAE's encoder (a third of the VAE; sampling decodes
// only), marking that VAE "decoder_only": it samples, but cannot encode, train or compress.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace adit::models {

constexpr std::int64_t kReleaseMinHalfElements = 1024;

enum class ReleaseDtype { fp16, bf16 };
// "fp16" | "bf16" (also "float16", "half", "bfloat16"); anything else is an adit::Error.
ReleaseDtype parse_release_dtype(const std::string& name);

struct ReleaseReport {
    std::string kind;                       // from the metadata ("vae", "dit", "conformer", ...)
    std::int64_t step = 0;                  // training step of the source, when recorded
    bool ema_weights = false;               // the EMA shadows replaced the raw weights
    std::int64_t half_tensors = 0, full_tensors = 0;
    std::int64_t parameters = 0;            // values in all weight tensors
    std::vector<std::string> dropped;       // training-state entries (and a sampling-only VAE's encoder) left out
    std::uintmax_t bytes_in = 0, bytes_out = 0;
};

// Writes the release of checkpoint `in` to `out` (atomically: a temporary file, then a rename).
// sampling_only: a DiT file only (anything else is an adit::Error); the input may then be a
// DiT release already (its stamp is kept, its weights copied as they are).
// vae_file: a DiT file only; the release leaves the embedded VAE out altogether and records the
// name and SHA-256 of this VAE release instead, which must hold the very VAE the DiT was trained
// with (checked) and must ship in the same folder (load_dit reads it from there). The DiT's own
// budget then grows by the embedded decoder's size (~3.7 MB for the shipped VAE).
ReleaseReport export_release(const std::string& in, const std::string& out, ReleaseDtype dtype = ReleaseDtype::fp16,
                             bool sampling_only = false, const std::string& vae_file = "");

}  // namespace adit::models
