#!/usr/bin/python3
"""A 10,000-crystal stand-in for a batch of generated MP-20 samples, in CDVAE CSV form.

All 9,046 MP-20 test structures plus 954 of them again with every site moved by 0.05-0.3 Å
(so both exact duplicates and near-duplicates exist for uniqueness).
Usage: /usr/bin/python3 make_benchmark_set.py /work/shared/data/mp_20/test.csv.gz out.csv [seed]
"""
import csv
import gzip
import sys
import warnings

import numpy as np

warnings.filterwarnings("ignore")
from pymatgen.core import Structure  # noqa: E402
from pymatgen.io.cif import CifWriter  # noqa: E402


def main():
    src, out = sys.argv[1], sys.argv[2]
    rng = np.random.default_rng(int(sys.argv[3]) if len(sys.argv) > 3 else 0)
    with gzip.open(src, "rt") as f:
        rows = list(csv.DictReader(f))
    result = [(r["material_id"], r["cif"]) for r in rows]
    for k, i in enumerate(rng.permutation(len(rows))[: 10000 - len(rows)]):
        s = Structure.from_str(rows[i]["cif"], fmt="cif")
        for j in range(len(s)):
            v = rng.normal(size=3)
            s.translate_sites([j], v / np.linalg.norm(v) * rng.uniform(0.05, 0.3), frac_coords=False)
        result.append((f"perturbed-{k}-{rows[i]['material_id']}", str(CifWriter(s))))
    with open(out, "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["material_id", "cif"])
        w.writerows(result)


if __name__ == "__main__":
    main()
