#!/usr/bin/python3
"""Compare `adit match` with pymatgen's StructureMatcher() (defaults) on generated pairs.

Pairs are cut from MP-20 test structures: identical copies, supercells (with shuffled sites),
permuted sites, rigid shifts, rotations, lattice strain (small and large), random site
perturbations (0.02 Å and 0.1 .. 1.2 Å), species substitutions, and different MP-20 structures of the same
reduced formula (hard negatives). For each pair pymatgen gives fit() and get_rms_dist(); adit
gets the same pairs as JSON lines through `adit match --pairs` and the verdicts are compared.

Usage:
  /usr/bin/python3 eval/crystals/compare_matcher.py --adit build/adit \
      --data /work/shared/data/mp_20/test.csv.gz --structures 150 --seed 0 [--out report.json]
"""
import argparse
import collections
import csv
import gzip
import io
import json
import multiprocessing as mp
import subprocess
import sys
import time
import warnings

import numpy as np

warnings.filterwarnings("ignore")
from pymatgen.analysis.structure_matcher import StructureMatcher  # noqa: E402
from pymatgen.core import Lattice, Structure  # noqa: E402


def load(path, limit):
    opener = gzip.open if path.endswith(".gz") else open
    with opener(path, "rt") as f:
        rows = list(csv.DictReader(f))
    return [Structure.from_str(r["cif"], fmt="cif") for r in rows[:limit]], rows


def as_json(s):
    return {
        "lattice": s.lattice.matrix.tolist(),
        "species": [sp.Z for sp in s.species],
        "frac_coords": s.frac_coords.tolist(),
    }


def rotation(rng):
    q = rng.normal(size=4)
    q /= np.linalg.norm(q)
    a, b, c, d = q
    return np.array([
        [a * a + b * b - c * c - d * d, 2 * (b * c - a * d), 2 * (b * d + a * c)],
        [2 * (b * c + a * d), a * a - b * b + c * c - d * d, 2 * (c * d - a * b)],
        [2 * (b * d - a * c), 2 * (c * d + a * b), a * a - b * b - c * c + d * d],
    ])


def shuffled(s, rng):
    idx = rng.permutation(len(s))
    return Structure(s.lattice, [s.species[i] for i in idx], s.frac_coords[idx])


def variants(s, rng, pool_by_formula, all_structs):
    out = []
    out.append(("identical", s.copy()))
    out.append(("permuted", shuffled(s, rng)))
    t = s.copy()
    t.translate_sites(list(range(len(t))), rng.random(3), frac_coords=True, to_unit_cell=True)
    out.append(("shift", shuffled(t, rng)))
    r = rotation(rng)
    out.append(("rotation", Structure(Lattice(s.lattice.matrix @ r.T), s.species, s.frac_coords)))
    sc = s.copy()
    scs = [[2, 1, 1], [1, 2, 1], [1, 1, 2], [[1, 1, 0], [-1, 1, 0], [0, 0, 1]]]
    sc.make_supercell(scs[int(rng.integers(len(scs)))])
    out.append(("supercell", shuffled(sc, rng)))
    for eps in (rng.uniform(0.02, 0.08), rng.uniform(0.15, 0.3)):
        strain = np.eye(3) + np.diag(rng.uniform(-eps, eps, 3))
        out.append((f"strain_{'small' if eps < 0.1 else 'large'}",
                    Structure(Lattice(s.lattice.matrix @ strain), s.species, s.frac_coords)))
    for amp in (0.02, rng.uniform(0.2, 1.2)):
        p = s.copy()
        for i in range(len(p)):
            v = rng.normal(size=3)
            p.translate_sites([i], v / np.linalg.norm(v) * amp * rng.uniform(0.5, 1.0), frac_coords=False)
        out.append((f"perturb_{'small' if amp < 0.05 else 'large'}", p))
    sub = s.copy()
    els = sorted({sp.symbol for sp in s.species})
    repl = {"O": "S", "S": "Se", "Li": "Na", "Na": "K", "Mg": "Ca", "Fe": "Co", "Co": "Ni", "Ni": "Cu"}
    done = False
    for e in els:
        if e in repl:
            sub.replace_species({e: repl[e]})
            done = True
            break
    if not done:
        i = int(rng.integers(len(sub)))
        sub.replace(i, "Cu" if sub[i].specie.symbol != "Cu" else "Zn")
    out.append(("substitution", sub))
    if len(els) > 1:
        swap = s.copy()
        a, b = els[0], els[1]
        ia = [i for i, x in enumerate(swap) if x.specie.symbol == a][0]
        ib = [i for i, x in enumerate(swap) if x.specie.symbol == b][0]
        swap.replace(ia, b)
        swap.replace(ib, a)
        out.append(("site_swap", swap))
    others = [o for o in pool_by_formula.get(s.composition.reduced_formula, []) if o is not s]
    if others:
        out.append(("same_formula_other", others[int(rng.integers(len(others)))]))
    return out


def pymatgen_verdict(pair):
    a, b = pair
    m = StructureMatcher()
    try:
        fit = bool(m.fit(a, b))
        r = m.get_rms_dist(a, b)
        return fit, (None if r is None else float(r[0])), None
    except Exception as e:  # noqa: BLE001
        return False, None, str(e)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--adit", default="build/adit")
    ap.add_argument("--data", default="/work/shared/data/mp_20/test.csv.gz")
    ap.add_argument("--structures", type=int, default=150)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--pool", type=int, default=3000, help="structures read (same-formula partners come from these)")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--out", default="")
    args = ap.parse_args()

    rng = np.random.default_rng(args.seed)
    all_structs, _ = load(args.data, args.pool)
    pool = collections.defaultdict(list)
    for s in all_structs:
        pool[s.composition.reduced_formula].append(s)
    idx = rng.permutation(len(all_structs))[: args.structures]
    pairs, kinds = [], []
    for i in idx:
        s = all_structs[i]
        for kind, t in variants(s, rng, pool, all_structs):
            pairs.append((s, t))
            kinds.append(kind)
    t0 = time.time()
    with mp.Pool(args.threads) as p:
        ref = p.map(pymatgen_verdict, pairs, chunksize=8)
    t_py = time.time() - t0
    lines = "".join(json.dumps({"a": as_json(a), "b": as_json(b)}) + "\n" for a, b in pairs)
    with open("/tmp/adit_match_pairs.jsonl", "w") as f:
        f.write(lines)
    t0 = time.time()
    res = subprocess.run([args.adit, "match", "--pairs", "/tmp/adit_match_pairs.jsonl", "--threads", str(args.threads), "-q"],
                         capture_output=True, text=True, check=True)
    t_adit = time.time() - t0
    ours = [json.loads(l) for l in res.stdout.splitlines()]
    assert len(ours) == len(pairs)
    by_kind = collections.defaultdict(lambda: [0, 0, 0, 0])  # pairs, fit agree, pymatgen matches, rms agree
    disagreements = []
    for k, (fit, rms, err), o in zip(kinds, ref, ours):
        row = by_kind[k]
        row[0] += 1
        row[1] += fit == o["match"]
        row[2] += fit
        both_none = rms is None and o["rms"] is None
        close = rms is not None and o["rms"] is not None and abs(rms - o["rms"]) < 1e-4
        row[3] += both_none or close
        if fit != o["match"] or not (both_none or close):
            disagreements.append({"kind": k, "pymatgen": [fit, rms, err], "adit": o})
    total = len(pairs)
    fit_agree = sum(r[1] for r in by_kind.values())
    rms_agree = sum(r[3] for r in by_kind.values())
    print(f"{'kind':<22}{'pairs':>7}{'pmg match':>10}{'fit agree':>10}{'rms agree':>10}")
    for k in sorted(by_kind):
        r = by_kind[k]
        print(f"{k:<22}{r[0]:>7}{r[2]:>10}{r[1]:>10}{r[3]:>10}")
    print(f"{'total':<22}{total:>7}{sum(r[2] for r in by_kind.values()):>10}{fit_agree:>10}{rms_agree:>10}")
    print(f"fit agreement {fit_agree / total:.4%}, rms agreement (|d| < 1e-4 or both None) {rms_agree / total:.4%}")
    print(f"pymatgen {t_py:.1f} s on {args.threads} processes; adit {t_adit:.2f} s on {args.threads} threads")
    for d in disagreements[:20]:
        print("DISAGREE", json.dumps(d))
    if args.out:
        with open(args.out, "w") as f:
            json.dump({"pairs": total, "fit_agreement": fit_agree / total, "rms_agreement": rms_agree / total,
                       "by_kind": {k: dict(zip(["pairs", "fit_agree", "pymatgen_matches", "rms_agree"], v)) for k, v in by_kind.items()},
                       "disagreements": disagreements, "seconds_pymatgen": t_py, "seconds_adit": t_adit}, f, indent=1)


if __name__ == "__main__":
    main()
