#!/usr/bin/python3
"""Checks `adit convert` and `adit info` against pymatgen/spglib and RDKit (issue 4).

    /usr/bin/python3 eval/formats/compare_pymatgen.py [--adit build/adit] [--mp20 N] [--json out.json]

1. Space groups: textbook prototypes (conventional, primitive, supercell and slightly perturbed
   cells) written as CIF by pymatgen; `adit info --json --symprec P` must report the same number
   and symbol as pymatgen's SpacegroupAnalyzer(symprec=P, angle_tolerance=5) at P = 0.1 and 0.01.
   The same for the first N MP-20 test crystals (../shared/data, if present).
2. CIF -> CIF and CIF -> extended XYZ -> CIF: pymatgen reads our output and StructureMatcher
   (ltol 1e-4, stol 1e-4, angle_tol 1e-3, no primitive reduction, no scaling) matches the input.
3. `--symmetrize`: pymatgen reads the symmetrized CIF as the same structure (StructureMatcher
   defaults and the tight matcher above) with the same space group.
4. SDF -> XYZ -> SDF: RDKit reads the result; elements equal, coordinates within 1e-4 Å.
5. Malformed inputs (tests/data/formats/bad): non-zero exit, the file named in the error, no output.
"""
import argparse
import csv
import gzip
import json
import os
import subprocess
import sys
import tempfile

import numpy as np
from pymatgen.analysis.structure_matcher import StructureMatcher
from pymatgen.core import Lattice, Structure
from pymatgen.io.cif import CifWriter
from pymatgen.symmetry.analyzer import SpacegroupAnalyzer

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
TIGHT = StructureMatcher(ltol=1e-4, stol=1e-4, angle_tol=1e-3, primitive_cell=False, scale=False)
DEFAULT = StructureMatcher()


def prototypes():
    """Textbook prototypes, built from their space group and Wyckoff positions."""
    fs = Structure.from_spacegroup
    h = Lattice.hexagonal
    return {
        "rocksalt NaCl": fs("Fm-3m", Lattice.cubic(5.64), ["Na", "Cl"], [[0, 0, 0], [0.5, 0.5, 0.5]]),
        "diamond Si": fs("Fd-3m", Lattice.cubic(5.431), ["Si"], [[0, 0, 0]]),
        "zincblende GaAs": fs("F-43m", Lattice.cubic(5.653), ["Ga", "As"], [[0, 0, 0], [0.25, 0.25, 0.25]]),
        "perovskite SrTiO3": fs("Pm-3m", Lattice.cubic(3.905), ["Sr", "Ti", "O"],
                                [[0, 0, 0], [0.5, 0.5, 0.5], [0.5, 0.5, 0]]),
        "CsCl": fs("Pm-3m", Lattice.cubic(4.12), ["Cs", "Cl"], [[0, 0, 0], [0.5, 0.5, 0.5]]),
        "fluorite CaF2": fs("Fm-3m", Lattice.cubic(5.463), ["Ca", "F"], [[0, 0, 0], [0.25, 0.25, 0.25]]),
        "bcc Fe": fs("Im-3m", Lattice.cubic(2.866), ["Fe"], [[0, 0, 0]]),
        "fcc Cu": fs("Fm-3m", Lattice.cubic(3.615), ["Cu"], [[0, 0, 0]]),
        "hcp Mg": fs("P6_3/mmc", h(3.209, 5.211), ["Mg"], [[1 / 3, 2 / 3, 0.25]]),
        "wurtzite ZnO": fs("P6_3mc", h(3.25, 5.207), ["Zn", "O"], [[1 / 3, 2 / 3, 0], [1 / 3, 2 / 3, 0.382]]),
        "rutile TiO2": fs("P4_2/mnm", Lattice.tetragonal(4.594, 2.959), ["Ti", "O"],
                          [[0, 0, 0], [0.3053, 0.3053, 0]]),
        "anatase TiO2": fs("I4_1/amd", Lattice.tetragonal(3.785, 9.514), ["Ti", "O"],
                           [[0, 0.75, 0.125], [0, 0.75, 0.3333]]),
        "graphite C": fs("P6_3/mmc", h(2.464, 6.711), ["C", "C"], [[0, 0, 0.25], [1 / 3, 2 / 3, 0.25]]),
        "NiAs": fs("P6_3/mmc", h(3.619, 5.034), ["Ni", "As"], [[0, 0, 0], [1 / 3, 2 / 3, 0.25]]),
        "corundum Al2O3": fs("R-3c", h(4.759, 12.991), ["Al", "O"], [[0, 0, 0.35216], [0.30624, 0, 0.25]]),
        # pymatgen's Fd-3m table is origin choice 1: Mg 8a (0,0,0), Al 16d (5/8,5/8,5/8), O 32e.
        "spinel MgAl2O4": fs("Fd-3m", Lattice.cubic(8.083), ["Mg", "Al", "O"],
                             [[0, 0, 0], [0.625, 0.625, 0.625], [0.3874, 0.3874, 0.3874]]),
        "alpha-quartz SiO2": fs("P3_221", h(4.913, 5.405), ["Si", "O"],
                                [[0.4697, 0, 0], [0.4135, 0.2669, 0.1191]]),
        "tetragonal BaTiO3": fs("P4mm", Lattice.tetragonal(3.994, 4.034), ["Ba", "Ti", "O", "O"],
                                [[0, 0, 0], [0.5, 0.5, 0.515], [0.5, 0.5, -0.025], [0.5, 0, 0.486]]),
        "cuprite Cu2O": fs("Pn-3m", Lattice.cubic(4.27), ["O", "Cu"], [[0.25, 0.25, 0.25], [0, 0, 0]]),
        "pyrite FeS2": fs("Pa-3", Lattice.cubic(5.417), ["Fe", "S"], [[0, 0, 0], [0.385, 0.385, 0.385]]),
        "chalcopyrite CuFeS2": fs("I-42d", Lattice.tetragonal(5.289, 10.423), ["Cu", "Fe", "S"],
                                  [[0, 0, 0], [0, 0, 0.5], [0.257, 0.25, 0.125]]),
        "monoclinic ZrO2": fs("P2_1/c", Lattice.monoclinic(5.15, 5.21, 5.31, 99.2), ["Zr", "O", "O"],
                              [[0.2754, 0.0395, 0.2083], [0.0700, 0.3317, 0.3447], [0.4496, 0.7569, 0.4792]]),
    }


def variants(name, s, rng):
    yield name, s
    yield name + " (primitive)", s.get_primitive_structure()
    yield name + " (2x1x1 supercell)", s * (2, 1, 1)
    p = s.copy()
    p.perturb(0.03)  # below 0.1 Å: the full group at symprec 0.1, a subgroup at 0.01
    yield name + " (perturbed 0.03 Å)", p


def run(args, check=True):
    r = subprocess.run(args, capture_output=True, text=True)
    if check and r.returncode != 0:
        raise RuntimeError(f"{' '.join(args)} failed: {r.stderr}")
    return r


def adit_spacegroups(adit, path, symprec):
    out = json.loads(run([adit, "-q", "info", path, "--json", "--symprec", str(symprec)]).stdout)
    items = out["structures"] if "structures" in out else [out]
    return [(x["spacegroup"]["number"], x["spacegroup"]["symbol"]) if x["spacegroup"] else (0, "") for x in items]


def check_spacegroups(adit, named, tmp, results):
    names, paths = [], []
    for i, (name, s) in enumerate(named):
        path = os.path.join(tmp, f"sg_{i}.cif")
        CifWriter(s).write_file(path)
        names.append(name)
        paths.append(path)
    # One multi-block CIF read by adit, one file per structure read by pymatgen.
    combined = os.path.join(tmp, "all.cif")
    with open(combined, "w") as f:
        for i, p in enumerate(paths):
            f.write(open(p).read().replace("data_", f"data_s{i}_", 1))
    for symprec in (0.1, 0.01):
        ours = adit_spacegroups(adit, combined, symprec)
        disagree = []
        for name, path, (num, sym) in zip(names, paths, ours):
            ref = SpacegroupAnalyzer(Structure.from_file(path), symprec=symprec, angle_tolerance=5)
            if (num, sym) != (ref.get_space_group_number(), ref.get_space_group_symbol()):
                disagree.append(f"{name}: adit {sym} ({num}), pymatgen {ref.get_space_group_symbol()} "
                                f"({ref.get_space_group_number()})")
        results.append({"check": f"space group, symprec {symprec}", "n": len(names),
                        "agree": len(names) - len(disagree), "failures": disagree})


def roundtrip(adit, named, tmp, results):
    fails = {"cif->cif": [], "cif->extxyz->cif": [], "symmetrize (default matcher)": [],
             "symmetrize (tight matcher)": [], "symmetrize space group": []}
    for i, (name, s) in enumerate(named):
        try:
            roundtrip_one(adit, i, name, s, tmp, fails)
        except Exception as e:  # noqa: BLE001 - reported as a failure of this structure
            for f in fails.values():
                f.append(f"{name}: {type(e).__name__}: {e}")
    for check, f in fails.items():
        results.append({"check": check, "n": len(named), "agree": len(named) - len(f), "failures": f})


def roundtrip_one(adit, i, name, s, tmp, fails):
    src = os.path.join(tmp, f"rt_{i}.cif")
    CifWriter(s).write_file(src)
    ref = Structure.from_file(src)
    out = os.path.join(tmp, f"rt_{i}_out.cif")
    run([adit, "-q", "convert", src, out])
    if not TIGHT.fit(ref, Structure.from_file(out)):
        fails["cif->cif"].append(name)
    xyz = os.path.join(tmp, f"rt_{i}.xyz")
    back = os.path.join(tmp, f"rt_{i}_back.cif")
    run([adit, "-q", "convert", src, xyz])  # .xyz: a crystal is still written extended
    header = open(xyz).read().splitlines()[1]
    if not (header.startswith('Lattice="') and "Properties=species:S:1:pos:R:3" in header
            and header.endswith('pbc="T T T"')):
        fails["cif->extxyz->cif"].append(name + " (header)")
    run([adit, "-q", "convert", xyz, back])
    if not TIGHT.fit(ref, Structure.from_file(back)):
        fails["cif->extxyz->cif"].append(name)
    sym = os.path.join(tmp, f"rt_{i}_sym.cif")
    run([adit, "-q", "convert", src, sym, "--symmetrize"])
    got = Structure.from_file(sym)
    if not DEFAULT.fit(ref, got):
        fails["symmetrize (default matcher)"].append(name)
    # Exact prototypes only: for a distorted input we idealize the positions (pymatgen's
    # refined structure keeps the distortion), so they differ by up to the distortion.
    if "perturbed" not in name and not TIGHT.fit(SpacegroupAnalyzer(ref, symprec=0.1).get_refined_structure(), got):
        fails["symmetrize (tight matcher)"].append(name)
    if SpacegroupAnalyzer(got, 0.1).get_space_group_number() != SpacegroupAnalyzer(ref, 0.1).get_space_group_number():
        fails["symmetrize space group"].append(name)


def sdf_roundtrip(adit, tmp, results):
    from rdkit import Chem
    from rdkit.Chem import AllChem

    smiles = ["CC=O", "OCC(O)CO", "c1ccccc1O", "C#N", "[NH3+]CC(=O)[O-]", "CC(C)(C)c1ccc(N)cc1",
              "O=C1NC(=O)C=C1", "C1CC2CCC1C2", "FC(F)(F)C(=O)O", "CS(=O)(=O)N"]
    src = os.path.join(tmp, "mols.sdf")
    w = Chem.SDWriter(src)
    mols = []
    for i, smi in enumerate(smiles):
        m = Chem.AddHs(Chem.MolFromSmiles(smi))
        AllChem.EmbedMolecule(m, randomSeed=i + 1)
        m.SetProp("_Name", f"mol{i}")
        w.write(m)
        mols.append(m)
    w.close()
    xyz, back = os.path.join(tmp, "mols.xyz"), os.path.join(tmp, "mols_back.sdf")
    run([adit, "-q", "convert", src, xyz])
    run([adit, "-q", "convert", xyz, back])
    got = [m for m in Chem.SDMolSupplier(back, sanitize=False, removeHs=False)]
    fails = []
    for ref, m in zip(mols, got):
        same_elements = [a.GetAtomicNum() for a in ref.GetAtoms()] == [a.GetAtomicNum() for a in m.GetAtoms()]
        diff = np.abs(ref.GetConformer().GetPositions() - m.GetConformer().GetPositions()).max()
        if not same_elements or diff > 1e-4:
            fails.append(f"{ref.GetProp('_Name')}: elements {same_elements}, max |dx| {diff:.2g} Å")
    if len(got) != len(mols):
        fails.append(f"{len(got)} records back, {len(mols)} written")
    results.append({"check": "sdf->xyz->sdf", "n": len(mols), "agree": len(mols) - len(fails), "failures": fails})


def malformed(adit, tmp, results):
    bad_dir = os.path.join(ROOT, "tests", "data", "formats", "bad")
    fails = []
    files = sorted(os.listdir(bad_dir))
    for name in files:
        out = os.path.join(tmp, "should_not_exist.cif")
        r = run([adit, "convert", os.path.join(bad_dir, name), out], check=False)
        if r.returncode == 0 or name not in r.stderr or os.path.exists(out) or "Traceback" in r.stderr:
            fails.append(f"{name}: rc {r.returncode}, stderr {r.stderr.strip()!r}")
        if os.path.exists(out):
            os.remove(out)
    results.append({"check": "malformed input -> named error, no output", "n": len(files),
                    "agree": len(files) - len(fails), "failures": fails})


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--adit", default=os.path.join(ROOT, "build", "adit"))
    ap.add_argument("--mp20", type=int, default=500, help="MP-20 test crystals for the space-group check")
    ap.add_argument("--json", help="write the results here")
    a = ap.parse_args()
    rng = np.random.default_rng(0)
    np.random.seed(0)
    named = [v for name, s in prototypes().items() for v in variants(name, s, rng)]
    results = []
    with tempfile.TemporaryDirectory() as tmp:
        check_spacegroups(a.adit, named, tmp, results)
        mp20 = next((p for p in ("../shared/data/mp_20/test.csv.gz", "/work/shared/data/mp_20/test.csv.gz")
                     if os.path.exists(os.path.join(ROOT, p)) or os.path.exists(p)), None)
        if mp20 and a.mp20 > 0:
            path = mp20 if os.path.isabs(mp20) else os.path.join(ROOT, mp20)
            with gzip.open(path, "rt", newline="") as f:
                rows = [r for _, r in zip(range(a.mp20), csv.DictReader(f))]
            mp = [(r["material_id"], Structure.from_str(r["cif"], fmt="cif")) for r in rows]
            sub = []
            check_spacegroups(a.adit, mp, tmp, sub)
            for r in sub:
                r["check"] = f"MP-20 test[:{a.mp20}] " + r["check"]
            results += sub
        roundtrip(a.adit, named, tmp, results)
        sdf_roundtrip(a.adit, tmp, results)
        malformed(a.adit, tmp, results)
    ok = True
    print(f"{'check':52} {'agree':>7} / n")
    for r in results:
        print(f"{r['check']:52} {r['agree']:>7} / {r['n']}")
        for f in r["failures"][:10]:
            print("    ", f)
        ok = ok and r["agree"] == r["n"]
    if a.json:
        with open(a.json, "w") as f:
            json.dump(results, f, indent=1)
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
