#!/usr/bin/python3
"""Python reference for `adit eval molecules` validity (the ADiT protocol).

Follows facebookresearch/all-atom-diffusion-transformer src/eval/molecule_generation.py:
pymatgen Molecule.to(fmt="pdb") (BabelMolAdaptor: Open Babel ConnectTheDots + PerceiveBondOrders,
then the PDB writer with CONECT records), then RDKit Chem.MolFromPDBFile(removeHs=False) and
MolToSmiles of the largest fragment (isomericSmiles=True). Valid = RDKit returned a molecule.
The OBMol is built exactly as pymatgen's BabelMolAdaptor builds it, so pymatgen is not needed.

Usage: /usr/bin/python3 reference_validity.py molecules.xyz[.gz] > reference.csv
Input: multi-frame (ext)XYZ, optionally gzipped. Output CSV: index,valid,smiles
"""
import gzip
import sys

from openbabel import openbabel as ob
from rdkit import Chem, RDLogger

RDLogger.DisableLog("rdApp.*")
ob.obErrorLog.StopLogging()


def frames(path):
    opener = gzip.open if path.endswith(".gz") else open
    with opener(path, "rt") as f:
        lines = f.read().splitlines()
    i = 0
    while i < len(lines):
        if not lines[i].strip():
            i += 1
            continue
        n = int(lines[i].split()[0])
        atoms = []
        for line in lines[i + 2 : i + 2 + n]:
            t = line.split()
            atoms.append((t[0], float(t[1]), float(t[2]), float(t[3])))
        yield atoms
        i += 2 + n


def pdb_block(atoms):
    mol = ob.OBMol()
    mol.BeginModify()
    for sym, x, y, z in atoms:
        a = ob.OBAtom()
        a.thisown = 0
        a.SetAtomicNum(ob.GetAtomicNum(sym))
        a.SetVector(x, y, z)
        mol.AddAtom(a)
        del a
    mol.ConnectTheDots()
    mol.PerceiveBondOrders()
    mol.SetTotalSpinMultiplicity(1)
    mol.SetTotalCharge(0)
    mol.Center()
    mol.EndModify()
    conv = ob.OBConversion()
    conv.SetOutFormat("pdb")
    return conv.WriteString(mol)


def verdict(atoms):
    try:
        m = Chem.MolFromPDBBlock(pdb_block(atoms), removeHs=False)
        Chem.MolToSmiles(m, isomericSmiles=True)  # raises on None, as the reference does
        frags = Chem.rdmolops.GetMolFrags(m, asMols=True)
        largest = max(frags, default=m, key=lambda f: f.GetNumAtoms())
        return True, Chem.MolToSmiles(largest, isomericSmiles=True)
    except Exception:
        return False, ""


def main():
    print("index,valid,smiles")
    n = valid = 0
    for i, atoms in enumerate(frames(sys.argv[1])):
        ok, smi = verdict(atoms)
        n += 1
        valid += ok
        print(f"{i},{int(ok)},{smi}")
    print(f"valid {valid}/{n} = {valid / max(n, 1):.4%}", file=sys.stderr)


if __name__ == "__main__":
    main()
