#!/usr/bin/python3
"""Geometry sanity of predicted SDF records (independent of adit): per molecule, are all bonds of
the SMILES graph within [0.75, 1.25] x the sum of covalent radii, and are all atom pairs 3+ bonds
apart at least 1.0 Å apart (no clash)? Prints the fractions of molecules passing.

  /usr/bin/python3 eval/conformer/sanity.py PRED.sdf

Covalent radii: Cordero et al., Dalton Trans. 2008 (C sp3 0.76, N 0.71, O 0.66, H 0.31 Å), the
table adit and pymatgen use. Until session 4 this script took RDKit's GetRcovalent table, which
gives C, N and O all 0.68 Å and H 0.23 Å: under it an ordinary C-H bond (1.09 Å) already sits at
1.20x and a cage C-C bond of 1.75 Å fails, so its fractions were lower (printed too, for
comparison with the older numbers in docs/BENCHMARKS.md).
"""
import sys

import numpy as np
from rdkit import Chem, RDLogger

RDLogger.DisableLog("rdApp.*")
PT = Chem.GetPeriodicTable()
CORDERO = {1: 0.31, 5: 0.84, 6: 0.76, 7: 0.71, 8: 0.66, 9: 0.57, 14: 1.11, 15: 1.07, 16: 1.05, 17: 1.02, 35: 1.20,
           53: 1.39}
n = bonds_ok = bonds_ok_rdkit = clash_free = 0
worst_bond = []
for m in Chem.SDMolSupplier(sys.argv[1], removeHs=False, sanitize=False):
    g = Chem.AddHs(Chem.MolFromSmiles(m.GetProp("smiles")))
    assert [a.GetAtomicNum() for a in g.GetAtoms()] == [a.GetAtomicNum() for a in m.GetAtoms()]
    x = m.GetConformer().GetPositions()
    d = np.linalg.norm(x[:, None] - x[None], axis=-1)
    ratios = [d[b.GetBeginAtomIdx(), b.GetEndAtomIdx()] /
              (CORDERO[b.GetBeginAtom().GetAtomicNum()] + CORDERO[b.GetEndAtom().GetAtomicNum()])
              for b in g.GetBonds()]
    ratios_rdkit = [d[b.GetBeginAtomIdx(), b.GetEndAtomIdx()] /
                    (PT.GetRcovalent(b.GetBeginAtom().GetAtomicNum()) + PT.GetRcovalent(b.GetEndAtom().GetAtomicNum()))
                    for b in g.GetBonds()]
    bonds_ok_rdkit += all(0.75 <= r <= 1.25 for r in ratios_rdkit)
    hops = Chem.GetDistanceMatrix(g)
    n += 1
    bonds_ok += all(0.75 <= r <= 1.25 for r in ratios)
    clash_free += bool(np.all(d[hops >= 3] >= 1.0))
    worst_bond.append(max(abs(r - 1) for r in ratios))
print(f"{sys.argv[1]}: {n} molecules; bonds within 0.75-1.25 x covalent: {bonds_ok / n:.3f} "
      f"(RDKit's radii: {bonds_ok_rdkit / n:.3f}); "
      f"no clash (3+ bonds apart, < 1.0 Å): {clash_free / n:.3f}; median worst |bond/ref - 1| {np.median(worst_bond):.3f}")
