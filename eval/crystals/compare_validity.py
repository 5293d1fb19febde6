#!/usr/bin/python3
"""Per-structure comparison of `adit eval crystals --per-structure` with CDVAE's validity code.

The reference is CDVAE/ADiT's smact_validity() and structure_validity() (re-typed from
all-atom-diffusion-transformer src/eval/crystal.py) run on pymatgen structures from the same
file, with SMACT 2.2.1 (the version CDVAE pins). SMACT is not packaged for Debian: point
PYTHONPATH at a checkout of WMD-group/SMACT at commit 012a70e4 (v2.2.1), e.g.
  git -C SMACT archive 012a70e4 smact | tar -x -C /tmp/smact221
  PYTHONPATH=/tmp/smact221 /usr/bin/python3 compare_validity.py data.csv[.gz] adit.csv
"""
import csv
import gzip
import itertools
import sys
import warnings
from collections import Counter

import numpy as np

warnings.filterwarnings("ignore")
import smact  # noqa: E402
from pymatgen.core import Structure  # noqa: E402
from smact.screening import pauling_test  # noqa: E402


def smact_validity(elems, count):
    symbols = tuple(elems)
    space = smact.element_dictionary(symbols)
    smact_elems = [e[1] for e in space.items()]
    electronegs = [e.pauling_eneg for e in smact_elems]
    ox_combos = [e.oxidation_states for e in smact_elems]
    if len(set(symbols)) == 1:
        return True
    if all(s in smact.metals for s in symbols):
        return True
    threshold = np.max(count)
    n = 1
    for o in ox_combos:
        n *= len(o)
    if n > 1e7:
        return False
    for ox in itertools.product(*ox_combos):
        stoichs = [(c,) for c in count]
        cn_e, _ = smact.neutral_ratios(ox, stoichs=stoichs, threshold=threshold)
        if cn_e:
            try:
                ok = pauling_test(ox, electronegs)
            except TypeError:
                ok = True
            if ok:
                return True
    return False


def structure_validity(s, cutoff=0.5):
    d = s.distance_matrix + np.diag(np.ones(len(s)) * (cutoff + 10.0))
    return not (d.min() < cutoff or s.volume < 0.1)


def main():
    csv.field_size_limit(10**9)
    opener = gzip.open if sys.argv[1].endswith(".gz") else open
    with opener(sys.argv[1], "rt") as f:
        rows = list(csv.DictReader(f))
    with open(sys.argv[2]) as f:
        ours = list(csv.DictReader(f))
    assert len(rows) == len(ours)
    comp_agree = struct_agree = comp_ref = 0
    for i, (r, o) in enumerate(zip(rows, ours)):
        s = Structure.from_str(r["cif"], fmt="cif")
        c = Counter(site.specie.symbol for site in s)
        elems = sorted(c, key=lambda e: smact.Element(e).number)
        counts = np.array([c[e] for e in elems])
        counts = tuple((counts // np.gcd.reduce(counts)).tolist())
        cv = smact_validity(elems, counts)
        sv = structure_validity(s)
        comp_ref += cv
        comp_agree += cv == (o["comp_valid"] == "1")
        struct_agree += sv == (o["struct_valid"] == "1")
        if cv != (o["comp_valid"] == "1") or sv != (o["struct_valid"] == "1"):
            print("DIFF", i, s.composition.reduced_formula, "ref", cv, sv, "adit", o["comp_valid"], o["struct_valid"])
    n = len(rows)
    print(f"{n} structures: compositional agreement {comp_agree / n:.4%} (reference valid {comp_ref / n:.4%}), "
          f"structural agreement {struct_agree / n:.4%}")


if __name__ == "__main__":
    main()
