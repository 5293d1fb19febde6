#!/usr/bin/python3
"""Checks a file written by `adit prepare` against its inputs, independently of adit's readers:
h5py reads the HDF5 layout, pymatgen reads the CDVAE CSV CIFs, and a few lines of Python read
extended XYZ. Positions, elements and lattices must agree to float32 precision.

    /usr/bin/python3 eval/data/check_prepared.py data/mp20.h5 \
        --train ../shared/data/mp_20/train_partial.csv.gz --val ../shared/data/mp_20/val.csv.gz \
        --test ../shared/data/mp_20/test.csv.gz
    /usr/bin/python3 eval/data/check_prepared.py data/qm9_dft.h5 --input ../shared/data/qm9/qm9_dft_12000.extxyz.gz

Exit status 0 when every check passes; prints one line per check.
"""
import argparse
import csv
import gzip
import hashlib
import io
import sys
import warnings

import h5py
import numpy as np

warnings.filterwarnings("ignore")


def open_text(path):
    return io.TextIOWrapper(gzip.open(path)) if path.endswith(".gz") else open(path)


def read_cdvae(path):
    from pymatgen.core import Structure

    csv.field_size_limit(1 << 30)
    out = []
    for row in csv.DictReader(open_text(path)):
        s = Structure.from_str(row["cif"], fmt="cif")
        out.append((row["material_id"], [site.specie.Z for site in s], s.cart_coords, s.lattice.matrix))
    return out


def read_extxyz(path):
    from pymatgen.core import Element

    out = []
    with open_text(path) as f:
        lines = f.read().split("\n")
    i = 0
    while i < len(lines) and lines[i].strip():
        n = int(lines[i])
        comment = lines[i + 1]
        gdb = [kv.split("=")[1] for kv in comment.split() if kv.startswith("gdb_index=")]
        z, pos = [], []
        for line in lines[i + 2 : i + 2 + n]:
            parts = line.split()
            z.append(Element(parts[0]).Z)
            pos.append([float(x) for x in parts[1:4]])
        out.append(("gdb_" + gdb[0] if gdb else None, z, np.array(pos), None))
        i += n + 2
    return out


def sha256(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("h5")
    ap.add_argument("--input", action="append", default=[])
    ap.add_argument("--train", action="append", default=[])
    ap.add_argument("--val", action="append", default=[])
    ap.add_argument("--test", action="append", default=[])
    a = ap.parse_args()

    f = h5py.File(a.h5, "r")
    ok = True

    def check(name, cond, detail=""):
        nonlocal ok
        ok = ok and bool(cond)
        print(f"{'PASS' if cond else 'FAIL'}  {name}{'  ' + detail if detail else ''}")

    check("format attribute", f.attrs["format"] == "adit-prepared", str(f.attrs["format"]))
    Z = f["atoms/Z"][:]
    pos = f["atoms/pos"][:]
    off = f["structures/offset"][:]
    ids = [s.decode() for s in f["structures/id"][:]]
    system = f["structures/system"][:]
    lattice = f["structures/lattice"][:]
    check("dtypes", Z.dtype == np.uint8 and pos.dtype == np.float32 and off.dtype == np.int64
          and lattice.dtype == np.float32 and system.dtype == np.uint8)
    check("shapes", pos.shape == (len(Z), 3) and off.shape == (len(ids) + 1,) and lattice.shape == (len(ids), 3, 3))

    files = [(p, None) for p in a.input] + [(p, "train") for p in a.train] + [(p, "val") for p in a.val] + [(p, "test") for p in a.test]
    sources = list(f.attrs["source_files"])
    digests = list(f.attrs["source_sha256"])
    expected = []  # (id, Z, pos, lattice, split)
    for path, split in files:
        records = read_cdvae(path) if ".csv" in path else read_extxyz(path)
        expected += [r + (split,) for r in records]
        k = [i for i, s in enumerate(sources) if s.endswith(path.split("/")[-1])]
        check(f"SHA-256 of {path}", k and digests[k[0]] == sha256(path))
    check("structure count", len(expected) == len(ids), f"{len(ids)} stored, {len(expected)} in the inputs")

    max_pos = max_lat = 0.0
    bad_z = bad_id = 0
    for i, (eid, ez, epos, elat, _) in enumerate(expected[: len(ids)]):
        a0, a1 = off[i], off[i + 1]
        if eid is not None and eid != ids[i]:
            bad_id += 1
        if list(Z[a0:a1]) != list(ez):
            bad_z += 1
            continue
        # float32 precision: |x| * 2^-24 relative, plus the inputs' own rounding
        max_pos = max(max_pos, float(np.max(np.abs(pos[a0:a1] - epos) / np.maximum(1.0, np.abs(epos)))))
        if elat is not None:
            max_lat = max(max_lat, float(np.max(np.abs(lattice[i] - elat) / np.maximum(1.0, np.abs(elat)))))
            check_sys = system[i] == 1
        else:
            check_sys = system[i] == 0 and not lattice[i].any()
        if not check_sys:
            bad_z += 1
    tol = 2.0 ** -23
    check("elements equal", bad_z == 0, f"{bad_z} structures differ")
    check("ids equal", bad_id == 0, f"{bad_id} differ")
    check("positions equal to float32 precision", max_pos <= tol, f"max relative deviation {max_pos:.2e} (float32 eps {tol:.2e})")
    check("lattices equal to float32 precision", max_lat <= tol, f"max relative deviation {max_lat:.2e}")

    split_of = {}
    for name in ("train", "val", "test"):
        idx = f["splits/" + name][:]
        check(f"split {name} indices in range", len(idx) == 0 or (idx.min() >= 0 and idx.max() < len(ids)), f"{len(idx)} structures")
        for i in idx:
            split_of[int(i)] = name
    check("splits disjoint and complete", len(split_of) == sum(len(f["splits/" + n]) for n in ("train", "val", "test")) == len(ids))
    if a.train or a.val or a.test:
        wrong = sum(1 for i, e in enumerate(expected[: len(ids)]) if split_of.get(i) != e[4])
        check("per-file splits", wrong == 0, f"{wrong} structures in the wrong split")
    for name, ds in f["properties"].items():
        check(f"property {name} float64 with unit attribute", ds.dtype == np.float64 and "unit" in ds.attrs,
              f"unit '{ds.attrs.get('unit', '?')}'")
    print("counts:", {n: len(f["splits/" + n]) for n in ("train", "val", "test")}, "geometry:", f.attrs["geometry"])
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
