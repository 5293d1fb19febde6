#!/usr/bin/python3
"""Checks ETKDG+MMFF proxies written by `adit prepare --geometry etkdg-mmff` against the SMILES:
every embedded molecule must have the atoms (elements, with explicit H) that RDKit's Python API
gives for AddHs(MolFromSmiles(smiles)), and bonded distances must be chemical.

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
assert f.attrs["geometry"] == "etkdg-mmff", f.attrs["geometry"]
bad_atoms = bad_dist = 0
for i, gid in enumerate(ids):
    m = Chem.AddHs(Chem.MolFromSmiles(ref[gid]))
    want = Counter(a.GetAtomicNum() for a in m.GetAtoms())
    got = Counter(int(z) for z in Z[off[i]:off[i + 1]])
    if want != got:
        bad_atoms += 1
        continue
    p = pos[off[i]:off[i + 1]]
    d = np.linalg.norm(p[:, None] - p[None], axis=-1) + np.eye(len(p)) * 10
    if d.min() < 0.85:  # no two atoms closer than a bond to H
        bad_dist += 1
n = len(rows)
print(f"SMILES {n}, embedded {len(ids)} ({100 * len(ids) / n:.2f}%), wrong atoms {bad_atoms}, clashes {bad_dist}")
sys.exit(0 if bad_atoms == 0 and bad_dist == 0 and len(ids) >= 0.99 * n else 1)
