#!/usr/bin/python3
"""Cuts the format fixtures of tests/io, tests/interop and tests/cli from ../shared/data.

Run from the repository root: /usr/bin/python3 tests/data/formats/make_fixtures.py
(needs ../shared/data or /work/shared/data, pymatgen and RDKit). The outputs are committed; the
tests never read ../shared.
"""
import csv
import gzip
import io
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
DATA = next(p for p in ("../shared/data", "/work/shared/data") if os.path.isdir(p))


def cut_csv(src, dst, rows):
    opener = gzip.open if src.endswith(".gz") else open
    with opener(src, "rt", newline="") as f:
        records = list(csv.reader(f))
    with open(os.path.join(HERE, dst), "w", newline="") as out:
        w = csv.writer(out, lineterminator="\n")
        w.writerow(records[0])
        for i in rows:
            w.writerow(records[1 + i])


def cut_xyz(src, dst, frames):
    with gzip.open(src, "rt") as f:
        lines = f.read().splitlines()
    out, i, k = [], 0, 0
    while i < len(lines) and k < frames:
        n = int(lines[i])
        out += lines[i:i + n + 2]
        i += n + 2
        k += 1
    with open(os.path.join(HERE, dst), "w") as f:
        f.write("\n".join(out) + "\n")


cut_csv(f"{DATA}/mp_20/test.csv.gz", "mp20_test_5.csv", range(5))
cut_csv(f"{DATA}/perov_5/test.csv", "perov5_test_3.csv", range(3))
cut_csv(f"{DATA}/carbon_24/test.csv", "carbon24_test_2.csv", range(2))
cut_xyz(f"{DATA}/qm9/qm9_dft_12000.extxyz.gz", "qm9_test_5.extxyz", 5)
cut_xyz(f"{DATA}/qm7/qm7_7101.extxyz.gz", "qm7_3.extxyz", 3)

# A plain XYZ (no key=value comment) of the first QM9 frame, as many programs write it.
with open(os.path.join(HERE, "qm9_test_5.extxyz")) as f:
    lines = f.read().splitlines()
n = int(lines[0])
with open(os.path.join(HERE, "acetaldehyde_plain.xyz"), "w") as f:
    f.write("\n".join([lines[0], "acetaldehyde gdb 11"] + lines[2:2 + n]) + "\n")

# A P1 CIF of MP-20 row 1 as its own file, and two rows as one multi-block CIF.
with gzip.open(f"{DATA}/mp_20/test.csv.gz", "rt", newline="") as f:
    rows = list(csv.DictReader(f))[:3]
with open(os.path.join(HERE, "mp-1111649.cif"), "w") as f:
    f.write(rows[1]["cif"])
with open(os.path.join(HERE, "mp20_two_blocks.cif"), "w") as f:
    f.write(rows[0]["cif"].replace("data_CdTeMoO6", "data_mp-555560").rstrip("\n") + "\n")
    f.write(rows[2]["cif"].replace("data_BaBrF", "data_mp-23070").rstrip("\n") + "\n")

# Symmetrized pymatgen CIF (the _symmetry_equiv_pos_as_xyz operators of a real space group) of
# MP-20 row 3 (BaBrF, P4/nmm), as CifWriter(symprec=0.1) writes it.
from pymatgen.core import Structure
from pymatgen.io.cif import CifWriter

s = Structure.from_str(rows[2]["cif"], fmt="cif")
CifWriter(s, symprec=0.1).write_file(os.path.join(HERE, "BaBrF_symmetrized_pymatgen.cif"))

# VESTA/ICSD style: _space_group_symop_operation_xyz, uncertainties, labels without type symbols.
from pymatgen.symmetry.groups import SpaceGroup

ops = SpaceGroup("Fd-3m").symmetry_ops  # pymatgen's table: origin choice 1, 8a at (0, 0, 0)
lines = ["#(C) 2026 ICSD-style test file written by make_fixtures.py", "data_Si_diamond",
         "_chemical_name_common 'Silicon'", "_cell_length_a 5.4310(2)", "_cell_length_b 5.4310(2)",
         "_cell_length_c 5.4310(2)", "_cell_angle_alpha 90.", "_cell_angle_beta 90.",
         "_cell_angle_gamma 90.", "_cell_volume 160.19", "_symmetry_space_group_name_H-M 'F d -3 m S'",
         "_symmetry_Int_Tables_number 227", "loop_", "_space_group_symop_id",
         "_space_group_symop_operation_xyz"]
for i, op in enumerate(ops):
    lines.append(f"{i + 1} '{op.as_xyz_string()}'")
lines += ["loop_", "_atom_site_label", "_atom_site_fract_x", "_atom_site_fract_y",
          "_atom_site_fract_z", "_atom_site_occupancy", "_atom_site_U_iso_or_equiv",
          "Si1 0.0 0.0 0.0 1. 0.0052(3)"]
with open(os.path.join(HERE, "Si_icsd_style.cif"), "w") as f:
    f.write("\n".join(lines) + "\n")
assert len(Structure.from_file(os.path.join(HERE, "Si_icsd_style.cif"))) == 8

# SDF: three QM9 molecules embedded by RDKit (ETKDG, seed 7) from their SMILES, one charged
# zwitterion, with SD properties.
from rdkit import Chem
from rdkit.Chem import AllChem

with gzip.open(f"{DATA}/qm9/qm9_smiles.csv.gz", "rt") as f:
    smiles = [line.split(",")[1].strip() for line in f.read().splitlines()[1:]]
w = Chem.SDWriter(os.path.join(HERE, "qm9_rdkit_3.sdf"))
for gdb, smi in ((11, smiles[10]), (22, smiles[21]), (0, "[NH3+]CC(=O)[O-]")):
    m = Chem.AddHs(Chem.MolFromSmiles(smi))
    AllChem.EmbedMolecule(m, randomSeed=7)
    m.SetProp("_Name", f"gdb_{gdb}" if gdb else "glycine_zwitterion")
    m.SetProp("smiles", smi)
    m.SetDoubleProp("gdb_index", gdb)
    w.write(m)
w.close()
print("fixtures written to", HERE)
