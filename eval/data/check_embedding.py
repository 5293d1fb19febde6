#!/usr/bin/python3
"""Checks ETKDG+MMFF proxies written by `adit prepare --geometry etkdg-mmff` against the SMILES:
every embedded molecule must have the atoms (elements, with explicit H, in order) that RDKit's
Python API gives for AddHs(MolFromSmiles(smiles)), no clashes, and every SMILES bond a length
within 0.75-1.25x the sum of covalent radii; counted per origin (etkdg-mmff, openbabel-mmff).

    adit prepare --input ../shared/data/qm9/qm9_smiles.csv.gz --geometry etkdg-mmff --limit 2000 --out data/qm9_etkdg_2000.h5
    /usr/bin/python3 eval/data/check_embedding.py data/qm9_etkdg_2000.h5 ../shared/data/qm9/qm9_smiles.csv.gz 2000
"""
import csv
import gzip
import io
import sys
from collections import Counter

import h5py
import numpy as np
from rdkit import Chem

h5, smiles_csv, limit = sys.argv[1], sys.argv[2], int(sys.argv[3])
rows = list(csv.DictReader(io.TextIOWrapper(gzip.open(smiles_csv)) if smiles_csv.endswith(".gz") else open(smiles_csv)))[:limit]
ref = {"gdb_" + r["gdb_index"]: r["smiles"] for r in rows}
f = h5py.File(h5, "r")
ids = [s.decode() for s in f["structures/id"][:]]
off = f["structures/offset"][:]
Z = f["atoms/Z"][:]
pos = f["atoms/pos"][:]
origins = [s.decode() for s in f["structures/geometry"][:]] if "geometry" in f["structures"] else ["etkdg-mmff"] * len(ids)
assert set(origins) <= {"etkdg-mmff", "openbabel-mmff", "etkdg", "openbabel"}, set(origins)
RCOV = {1: 0.31, 6: 0.76, 7: 0.71, 8: 0.66, 9: 0.57, 16: 1.05, 17: 1.02}  # Cordero et al. 2008, Å
bad_atoms = bad_dist = 0
bad_bonds = Counter()
for i, gid in enumerate(ids):
    m = Chem.AddHs(Chem.MolFromSmiles(ref[gid]))
    want = [a.GetAtomicNum() for a in m.GetAtoms()]
    got = [int(z) for z in Z[off[i]:off[i + 1]]]
    if want != got:
        bad_atoms += 1
        continue
    p = pos[off[i]:off[i + 1]]
    d = np.linalg.norm(p[:, None] - p[None], axis=-1) + np.eye(len(p)) * 10
    if d.min() < 0.85:  # no two atoms closer than a bond to H
        bad_dist += 1
    for b in m.GetBonds():
        a, c = b.GetBeginAtomIdx(), b.GetEndAtomIdx()
        r = RCOV[want[a]] + RCOV[want[c]]
        if not 0.75 * r <= d[a, c] <= 1.25 * r:
            bad_bonds[origins[i]] += 1
            break
n = len(rows)
print(f"SMILES {n}, embedded {len(ids)} ({100 * len(ids) / n:.2f}%), by origin {dict(Counter(origins))}, "
      f"wrong atoms {bad_atoms}, clashes {bad_dist}, molecules with a bond outside 0.75-1.25x covalent radii {dict(bad_bonds)}")
sys.exit(0 if bad_atoms == 0 and bad_dist == 0 and not bad_bonds and len(ids) >= 0.99 * n else 1)
