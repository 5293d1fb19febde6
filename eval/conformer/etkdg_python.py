#!/usr/bin/python3
"""ETKDGv3 (+MMFF94) conformers with RDKit's Python API, independent of adit: the cross-check of
`adit conformer --method etkdg [--mmff]`. Same SDF layout (title = name, data item `smiles`).

  /usr/bin/python3 eval/conformer/etkdg_python.py IN.smi OUT.sdf [--mmff] [--seed 0]
"""
import argparse
import sys

from rdkit import Chem, RDLogger
from rdkit.Chem import AllChem

RDLogger.DisableLog("rdApp.*")

ap = argparse.ArgumentParser()
ap.add_argument("smi")
ap.add_argument("out")
ap.add_argument("--mmff", action="store_true")
ap.add_argument("--seed", type=int, default=0)
a = ap.parse_args()
w = Chem.SDWriter(a.out)
failed = 0
for line in open(a.smi):
    parts = line.split(maxsplit=1)
    if not parts or parts[0].startswith("#"):
        continue
    m = Chem.MolFromSmiles(parts[0])
    if m is None:
        failed += 1
        continue
    m = Chem.AddHs(m)
    p = AllChem.ETKDGv3()
    p.randomSeed = a.seed
    if AllChem.EmbedMolecule(m, p) < 0:
        p.useRandomCoords = True
        if AllChem.EmbedMolecule(m, p) < 0:
            failed += 1
            continue
    if a.mmff:
        AllChem.MMFFOptimizeMolecule(m, maxIters=2000)
    m.SetProp("_Name", parts[1].strip() if len(parts) > 1 else "")
    m.SetProp("smiles", parts[0])
    w.write(m)
w.close()
print(f"{failed} failed", file=sys.stderr)
