#!/usr/bin/env python3
"""Where the GPU time of a traced bench_gpu window goes (`bench_gpu ... --trace DIR`).

    python3 eval/bench/trace_summary.py DIR/dit-s-bf16-graph.json [--top 25] [--steps N]

Reads the Chrome trace LibTorch's Kineto profiler writes and sums the CUDA kernels (category
"kernel"), memory copies and sets by name: the window from the first to the last GPU event,
the time some kernel was running (intervals merged), the share of each kernel family and the
kernels taking the most time. With --steps, times are also given per step.
"""
import argparse
import collections
import json
import re
import sys

FAMILIES = [  # first match wins
    ("attention", r"fmha|flash|attention|efficient_attention|cutlassF|softmax"),
    ("matmul", r"gemm|cutlass|cublas|sm90_xmma|nvjet|matmul|ampere_|sm80_"),
    ("layer norm", r"layer_norm|LayerNorm"),
    ("optimizer / EMA", r"fused_adam|multi_tensor|foreach|FusedAdam"),
    ("reduction", r"reduce|Reduce|norm_kernel|sum_kernel"),
    ("copy / cast", r"copy|Copy|cast|convert"),
    ("elementwise", r"elementwise|vectorized|unrolled|Elementwise|pointwise|where|index"),
]


def family(name):
    for label, pattern in FAMILIES:
        if re.search(pattern, name):
            return label
    return "other"


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("trace")
    ap.add_argument("--top", type=int, default=25)
    ap.add_argument("--steps", type=int, default=0, help="steps in the traced window (per-step times)")
    a = ap.parse_args()
    with open(a.trace) as f:
        events = json.load(f).get("traceEvents", [])
    gpu = [e for e in events if e.get("ph") == "X" and e.get("cat") in ("kernel", "gpu_memcpy", "gpu_memset")]
    if not gpu:
        sys.exit(f"{a.trace}: no CUDA kernels in the trace (was it a CUDA run with Kineto?)")
    start = min(e["ts"] for e in gpu)
    end = max(e["ts"] + e["dur"] for e in gpu)
    busy, cur_s, cur_e = 0.0, None, None
    for s, e in sorted((e["ts"], e["ts"] + e["dur"]) for e in gpu):
        if cur_e is None or s > cur_e:
            if cur_e is not None:
                busy += cur_e - cur_s
            cur_s, cur_e = s, e
        else:
            cur_e = max(cur_e, e)
    busy += cur_e - cur_s
    by_name = collections.defaultdict(lambda: [0.0, 0])
    for e in gpu:
        by_name[e["name"]][0] += e["dur"]
        by_name[e["name"]][1] += 1
    total = sum(v[0] for v in by_name.values())
    per = f" ({1e-3 * busy / a.steps:.2f} ms per step)" if a.steps else ""
    print(f"{a.trace}: window {1e-3 * (end - start):.2f} ms, GPU busy {1e-3 * busy:.2f} ms{per} "
          f"({100 * busy / (end - start):.0f} %), {len(gpu)} GPU events")
    fams = collections.defaultdict(float)
    for name, (dur, _) in by_name.items():
        fams[family(name)] += dur
    print("\n| kernel family | ms | share |\n|---|---|---|")
    for label, dur in sorted(fams.items(), key=lambda kv: -kv[1]):
        print(f"| {label} | {1e-3 * dur:.2f} | {100 * dur / total:.1f} % |")
    print(f"\n| kernel (top {a.top}) | calls | ms | mean us | share |\n|---|---|---|---|---|")
    for name, (dur, n) in sorted(by_name.items(), key=lambda kv: -kv[1][0])[: a.top]:
        short = name if len(name) <= 90 else name[:87] + "..."
        print(f"| `{short}` | {n} | {1e-3 * dur:.2f} | {dur / n:.1f} | {100 * dur / total:.1f} % |")


if __name__ == "__main__":
    main()
