#!/usr/bin/python3
"""Geometry sanity of predicted SDF records (independent of adit): per molecule, are all bonds of
the SMILES graph within [0.75, 1.25] x the sum of covalent radii, and are all atom pairs 3+ bonds
apart at least 1.0 Å apart (no clash)? Prints the fractions of molecules passing.

  /usr/bin/python3 eval/conformer/sanity.py PRED.sdf
"""
import sys

import numpy as np
from rdkit import Chem, RDLogger

RDLogger.DisableLog("rdApp.*")
PT = Chem.GetPeriodicTable()
n = bonds_ok = clash_free = 0
worst_bond = []
for m in Chem.SDMolSupplier(sys.argv[1], removeHs=False, sanitize=False):
    g = Chem.AddHs(Chem.MolFromSmiles(m.GetProp("smiles")))
    assert [a.GetAtomicNum() for a in g.GetAtoms()] == [a.GetAtomicNum() for a in m.GetAtoms()]
    x = m.GetConformer().GetPositions()
    d = np.linalg.norm(x[:, None] - x[None], axis=-1)
    ratios = [d[b.GetBeginAtomIdx(), b.GetEndAtomIdx()] /
              (PT.GetRcovalent(b.GetBeginAtom().GetAtomicNum()) + PT.GetRcovalent(b.GetEndAtom().GetAtomicNum()))
              for b in g.GetBonds()]
    hops = Chem.GetDistanceMatrix(g)
    n += 1
    bonds_ok += all(0.75 <= r <= 1.25 for r in ratios)
    clash_free += bool(np.all(d[hops >= 3] >= 1.0))
    worst_bond.append(max(abs(r - 1) for r in ratios))
print(f"{sys.argv[1]}: {n} molecules; bonds within 0.75-1.25 x covalent: {bonds_ok / n:.3f}; "
      f"no clash (3+ bonds apart, < 1.0 Å): {clash_free / n:.3f}; median worst |bond/ref - 1| {np.median(worst_bond):.3f}")
