#!/usr/bin/python3
"""Per-molecule agreement of `adit eval molecules --per-structure` with reference_validity.py.

Usage: /usr/bin/python3 compare_validity.py reference.csv adit.csv
Both CSVs have columns index,valid,...,smiles. Prints verdict and SMILES agreement and lists
disagreements.
"""
import csv
import sys


def load(path):
    with open(path) as f:
        return {int(r["index"]): r for r in csv.DictReader(f)}


def main():
    ref, ours = load(sys.argv[1]), load(sys.argv[2])
    assert ref.keys() == ours.keys(), "different molecule counts"
    n = len(ref)
    verdict = sum(ref[i]["valid"] == ours[i]["valid"] for i in ref)
    smiles = sum(ref[i]["smiles"] == ours[i]["smiles"] for i in ref)
    print(f"molecules {n}: verdict agreement {verdict}/{n} = {verdict / n:.4%}, "
          f"SMILES agreement {smiles}/{n} = {smiles / n:.4%}")
    print(f"valid: reference {sum(r['valid'] == '1' for r in ref.values()) / n:.4%}, "
          f"adit {sum(r['valid'] == '1' for r in ours.values()) / n:.4%}")
    for i in ref:
        if ref[i]["valid"] != ours[i]["valid"] or ref[i]["smiles"] != ours[i]["smiles"]:
            print("DIFF", i, ref[i]["valid"], ref[i]["smiles"], "|", ours[i]["valid"], ours[i]["smiles"],
                  ours[i].get("reason", ""))
    return 0 if verdict == n else 1


if __name__ == "__main__":
    sys.exit(main())
