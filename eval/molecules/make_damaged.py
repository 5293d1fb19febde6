#!/usr/bin/python3
"""Write a multi-frame XYZ of damaged and random molecules for validity comparisons.

From QM9 molecules (first argument, extXYZ[.gz]) it makes: Gaussian coordinate noise (sigma 0.02
to 0.4 Å), one atom deleted, one element changed (H C N O F), two molecules overlapped, and fully
random clouds of 3..29 atoms (H C N O F, in a box scaled to a molecular density).
Usage: /usr/bin/python3 make_damaged.py qm9.extxyz.gz out.xyz [count] [seed]
"""
import sys

import numpy as np

from reference_validity import frames

ELEMENTS = ["H", "C", "N", "O", "F"]


def main():
    src, out = sys.argv[1], sys.argv[2]
    count = int(sys.argv[3]) if len(sys.argv) > 3 else 5000
    rng = np.random.default_rng(int(sys.argv[4]) if len(sys.argv) > 4 else 0)
    mols = []
    for i, atoms in enumerate(frames(src)):
        mols.append(([a[0] for a in atoms], np.array([a[1:] for a in atoms])))
        if len(mols) >= 3000:
            break
    result = []
    while len(result) < count:
        kind = rng.integers(6)
        sym, xyz = mols[rng.integers(len(mols))]
        sym, xyz = list(sym), xyz.copy()
        if kind == 0:
            xyz += rng.normal(scale=rng.uniform(0.02, 0.15), size=xyz.shape)
        elif kind == 1:
            xyz += rng.normal(scale=rng.uniform(0.15, 0.4), size=xyz.shape)
        elif kind == 2 and len(sym) > 2:
            k = rng.integers(len(sym))
            del sym[k]
            xyz = np.delete(xyz, k, axis=0)
        elif kind == 3:
            k = rng.integers(len(sym))
            sym[k] = ELEMENTS[rng.integers(len(ELEMENTS))]
        elif kind == 4:
            sym2, xyz2 = mols[rng.integers(len(mols))]
            sym = sym + list(sym2)
            xyz = np.vstack([xyz, xyz2 + rng.normal(scale=2.0, size=3)])
        else:
            n = int(rng.integers(3, 30))
            sym = [ELEMENTS[j] for j in rng.choice(5, size=n, p=[0.5, 0.3, 0.08, 0.1, 0.02])]
            xyz = rng.uniform(0, 1, size=(n, 3)) * (n * 10.0) ** (1 / 3)
        result.append((sym, xyz))
    with open(out, "w") as f:
        for sym, xyz in result:
            f.write(f"{len(sym)}\n\n")
            for s, (x, y, z) in zip(sym, xyz):
                f.write(f"{s} {x:.6f} {y:.6f} {z:.6f}\n")


if __name__ == "__main__":
    main()
