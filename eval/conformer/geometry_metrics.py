#!/usr/bin/python3
"""Independent computation of Molecule3D's geometry metrics (numpy + RDKit's SDF reader, no adit
code): D-MAE and D-RMSE over the interatomic distance matrices (pairs i<j, all atoms including
H) and C-RMSD after Kabsch superposition, per molecule, then means over molecules (Å).
Records are paired in order. Prints JSON with the keys of `adit eval geometry --json`.

  /usr/bin/python3 eval/conformer/geometry_metrics.py PRED.sdf REF.sdf [--compare adit.json] [--tol 1e-3]

With --compare, exits 1 unless every key agrees with the adit JSON to --tol Å.
"""
import argparse
import json
import sys

import numpy as np
from rdkit import Chem, RDLogger

RDLogger.DisableLog("rdApp.*")


def read(path):
    out = []
    for m in Chem.SDMolSupplier(path, sanitize=False, removeHs=False):
        if m is None:
            sys.exit(f"{path}: unreadable record {len(out) + 1}")
        out.append(([a.GetAtomicNum() for a in m.GetAtoms()], m.GetConformer().GetPositions()))
    return out


def kabsch_rmsd(p, q):
    p = p - p.mean(0)
    q = q - q.mean(0)
    u, s, vt = np.linalg.svd(p.T @ q)
    sign = np.sign(np.linalg.det(vt.T @ u.T))
    r = vt.T @ np.diag([1.0, 1.0, sign]) @ u.T
    return float(np.sqrt(((p @ r.T - q) ** 2).sum(1).mean()))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("pred")
    ap.add_argument("ref")
    ap.add_argument("--compare", help="adit eval geometry --json output to check against")
    ap.add_argument("--tol", type=float, default=1e-3)
    a = ap.parse_args()
    pred, ref = read(a.pred), read(a.ref)
    if len(pred) != len(ref):
        sys.exit(f"{len(pred)} vs {len(ref)} records")
    maes, rmses, rmsds = [], [], []
    abs_sum = sq_sum = npairs = 0.0
    for k, ((zp, p), (zr, r)) in enumerate(zip(pred, ref)):
        if zp != zr:
            sys.exit(f"record {k + 1}: elements differ")
        iu = np.triu_indices(len(zp), 1)
        dp = np.linalg.norm(p[:, None] - p[None], axis=-1)[iu]
        dr = np.linalg.norm(r[:, None] - r[None], axis=-1)[iu]
        e = dp - dr
        maes.append(np.abs(e).mean() if len(e) else 0.0)
        rmses.append(np.sqrt((e ** 2).mean()) if len(e) else 0.0)
        rmsds.append(kabsch_rmsd(p, r))
        abs_sum += np.abs(e).sum()
        sq_sum += (e ** 2).sum()
        npairs += len(e)
    res = {"n": len(pred), "d_mae": float(np.mean(maes)), "d_rmse": float(np.mean(rmses)),
           "c_rmsd": float(np.mean(rmsds)), "d_mae_pooled": float(abs_sum / npairs),
           "d_rmse_pooled": float(np.sqrt(sq_sum / npairs))}
    print(json.dumps(res, indent=2))
    if a.compare:
        with open(a.compare) as f:
            adit = json.load(f)
        bad = [k for k in res if k != "n" and abs(res[k] - adit[k]) > a.tol] + (["n"] if res["n"] != adit["n"] else [])
        worst = max(abs(res[k] - adit[k]) for k in res)
        print(f"max |python - adit| = {worst:.2e} Å over {list(res)}", file=sys.stderr)
        if bad:
            print(f"DISAGREE on {bad}", file=sys.stderr)
            sys.exit(1)
        print("agree to", a.tol, "Å", file=sys.stderr)


if __name__ == "__main__":
    main()
