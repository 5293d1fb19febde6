// The learning-rate schedules of every trainer: linear warm-up, then constant or cosine decay.
// A pure function of the step, so a resumed run follows the uninterrupted run's schedule exactly.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>

namespace adit::train {

// Warm-up: lr (step + 1) / warmup for the first `warmup` steps. Then `cosine` falls from lr to
// lr * min_ratio over the remaining steps up to `steps` (and stays there); without it, lr.
inline double scheduled_lr(double lr, std::int64_t step, std::int64_t steps, std::int64_t warmup, bool cosine,
                           double min_ratio) {
    if (warmup > 0 && step < warmup) return lr * double(step + 1) / double(warmup);
    if (!cosine) return lr;
    const double span = double(std::max<std::int64_t>(1, steps - warmup));
    const double t = std::min(1.0, double(step - warmup) / span);
    return lr * (min_ratio + (1 - min_ratio) * 0.5 * (1 + std::cos(M_PI * t)));
}

}  // namespace adit::train
