#!/usr/bin/python3
"""Cut QM9 DFT geometries into SDF files whose atoms are in the order adit uses for a SMILES.

For each extxyz frame: take its QM9 SMILES (by gdb_index), parse it with RDKit and add
hydrogens (the atom order of `adit conformer` and of adit's graph), perceive the bonds of the
DFT geometry from covalent radii, and map the SMILES atoms onto the DFT atoms with a graph
match (elements + connectivity; bond orders ignored). Molecules whose DFT connectivity is not
the SMILES graph (QM9 has a few that rearranged during optimisation) are skipped and counted.

By default the SMILES written carry the stereo tags of the DFT geometry (Molecule3D's SMILES do;
QM9's GDB SMILES do not, and ETKDG cannot embed some strained polycycles with random stereo).

Writes OUT.sdf (title gdb_<index>, data item `smiles`, DFT coordinates in Å) and OUT.smi
(`SMILES gdb_<index>` per line, the input of `adit conformer --smiles-file`).

  /usr/bin/python3 eval/conformer/prepare_qm9.py QM9.extxyz.gz qm9_smiles.csv.gz OUT --count N [--skip K]
"""
import argparse
import csv
import gzip
import random
import sys

import numpy as np
from rdkit import Chem, RDLogger
from rdkit.Chem import rdchem

RDLogger.DisableLog("rdApp.*")
PT = Chem.GetPeriodicTable()


def frames(path):
    with gzip.open(path, "rt") as f:
        while True:
            line = f.readline()
            if not line:
                return
            n = int(line)
            comment = f.readline()
            atoms = [f.readline().split() for _ in range(n)]
            gdb = int(comment.split("gdb_index=")[1].split()[0])
            yield gdb, [a[0] for a in atoms], np.array([[float(x) for x in a[1:4]] for a in atoms])


def single_bond_graph(mol):
    """Copy of mol with every bond single and no aromatic flags or charges: only the graph."""
    g = Chem.RWMol()
    for a in mol.GetAtoms():
        b = Chem.Atom(a.GetAtomicNum())
        b.SetNoImplicit(True)
        g.AddAtom(b)
    for bd in mol.GetBonds():
        g.AddBond(bd.GetBeginAtomIdx(), bd.GetEndAtomIdx(), rdchem.BondType.SINGLE)
    return g


def dft_graph(symbols, pos, tolerance=1.25):
    g = Chem.RWMol()
    for s in symbols:
        a = Chem.Atom(s)
        a.SetNoImplicit(True)
        g.AddAtom(a)
    radii = [PT.GetRcovalent(PT.GetAtomicNumber(s)) for s in symbols]
    d = np.linalg.norm(pos[:, None] - pos[None], axis=-1)
    for i in range(len(symbols)):
        for j in range(i + 1, len(symbols)):
            if d[i, j] < tolerance * (radii[i] + radii[j]):
                g.AddBond(i, j, rdchem.BondType.SINGLE)
    return g


def with_stereo_from_3d(mol_h):
    """Stereo tags from the DFT geometry, as Molecule3D's SMILES carry them: returns the molecule
    re-parsed from an isomeric SMILES (atoms in that SMILES's order, H added) with the DFT
    coordinates carried over, and that SMILES; (None, None) if the round trip disagrees."""
    mol_h = Chem.Mol(mol_h)
    Chem.AssignStereochemistryFrom3D(mol_h)
    heavy = Chem.RemoveHs(mol_h)  # heavy atoms keep their indices (H were appended after them)
    smi = Chem.MolToSmiles(heavy, canonical=False, isomericSmiles=True)
    order = [int(x) for x in heavy.GetProp("_smilesAtomOutputOrder").strip("[],").split(",") if x != ""]
    new = Chem.MolFromSmiles(smi)
    if new is None or new.GetNumAtoms() != heavy.GetNumAtoms():
        return None, None
    new = Chem.AddHs(new)
    old_pos = mol_h.GetConformer().GetPositions()
    conf = Chem.Conformer(new.GetNumAtoms())
    for k, old in enumerate(order):
        if new.GetAtomWithIdx(k).GetAtomicNum() != mol_h.GetAtomWithIdx(old).GetAtomicNum():
            return None, None
        conf.SetAtomPosition(k, old_pos[old].tolist())
        hs_new = sorted(n.GetIdx() for n in new.GetAtomWithIdx(k).GetNeighbors() if n.GetAtomicNum() == 1)
        hs_old = sorted(n.GetIdx() for n in mol_h.GetAtomWithIdx(old).GetNeighbors() if n.GetAtomicNum() == 1)
        if len(hs_new) != len(hs_old):
            return None, None
        for hn, ho in zip(hs_new, hs_old):
            conf.SetAtomPosition(hn, old_pos[ho].tolist())
    new.AddConformer(conf, assignId=True)
    check = Chem.Mol(new)
    Chem.AssignStereochemistryFrom3D(check)
    if Chem.MolToSmiles(Chem.RemoveHs(check)) != Chem.MolToSmiles(Chem.MolFromSmiles(smi)):
        return None, None
    return new, smi


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("extxyz")
    ap.add_argument("smiles_csv")
    ap.add_argument("out", help="output stem: writes OUT.sdf and OUT.smi")
    ap.add_argument("--count", type=int, required=True, help="molecules to write")
    ap.add_argument("--skip", type=int, default=0, help="skip this many selected molecules first")
    ap.add_argument("--seed", type=int, default=0, help="random selection order (-1: file order)")
    ap.add_argument("--no-stereo", dest="stereo", action="store_false",
                    help="keep QM9's SMILES as they are (no stereo); default: isomeric SMILES with the stereo "
                         "of the DFT geometry, as in Molecule3D")
    a = ap.parse_args()

    with gzip.open(a.smiles_csv, "rt") as f:
        smiles = {int(r["gdb_index"]): r["smiles"] for r in csv.DictReader(f)}
    all_frames = list(frames(a.extxyz))
    if a.seed >= 0:
        random.Random(a.seed).shuffle(all_frames)
    written = mismatched = 0
    skipped = a.skip
    writer = Chem.SDWriter(a.out + ".sdf")
    with open(a.out + ".smi", "w") as smi:
        for gdb, symbols, pos in all_frames:
            if written >= a.count:
                break
            s = smiles[gdb]
            mol = Chem.MolFromSmiles(s)
            if mol is None:
                mismatched += 1
                continue
            mol = Chem.AddHs(mol)
            q = single_bond_graph(mol)
            t = dft_graph(symbols, pos)
            match = ()
            if q.GetNumAtoms() == t.GetNumAtoms() and q.GetNumBonds() == t.GetNumBonds():
                match = t.GetSubstructMatch(q)
            if not match:
                mismatched += 1
                continue
            conf = Chem.Conformer(mol.GetNumAtoms())
            for i, j in enumerate(match):
                conf.SetAtomPosition(i, pos[j].tolist())
            mol.RemoveAllConformers()
            mol.AddConformer(conf, assignId=True)
            if a.stereo:
                mol, s = with_stereo_from_3d(mol)
                if mol is None:
                    mismatched += 1
                    continue
            if skipped > 0:
                skipped -= 1
                continue
            mol.SetProp("_Name", f"gdb_{gdb}")
            mol.SetProp("smiles", s)
            writer.write(mol)
            smi.write(f"{s} gdb_{gdb}\n")
            written += 1
    writer.close()
    print(f"{written} molecules written to {a.out}.sdf/.smi; {mismatched} skipped (DFT graph != SMILES graph)",
          file=sys.stderr)


if __name__ == "__main__":
    main()
