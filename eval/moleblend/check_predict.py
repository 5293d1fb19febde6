#!/usr/bin/python3
"""Independent check of `adit predict` (the shipped MoleBLEND model) on held-out QM9 molecules.

Takes the test split of a prepared QM9 DFT file (adit prepare ... --split random:0.8,0.1,0.1 --seed 0,
the split the shipped model's fine-tune held out), gives `adit predict` only each molecule's GDB
SMILES (from qm9_smiles.csv.gz by its gdb_index, so molecules whose extxyz record lacks a SMILES
count too), and computes HOMO, LUMO and gap MAE against the DFT values with numpy: no adit code
in the comparison.

Usage: /usr/bin/python3 check_predict.py QM9_DFT.h5 qm9_smiles.csv.gz ADIT [--model M.pt]
Prints one JSON object: n, MAE in meV per target, and a mean predictor's MAE for scale.
"""
import csv, gzip, json, subprocess, sys, tempfile

import h5py
import numpy as np

HARTREE_EV = 27.211386245988

def main():
    h5, smiles_csv, adit = sys.argv[1:4]
    extra = sys.argv[4:]
    with gzip.open(smiles_csv, "rt") as f:
        gdb = {int(r["gdb_index"]): r["smiles"] for r in csv.DictReader(f)}
    with h5py.File(h5) as f:
        test = f["splits/test"][:]
        train = f["splits/train"][:]
        index = f["properties/gdb_index"][:].astype(int)
        dft = {k: f["properties/" + k][:] * HARTREE_EV for k in ("homo", "lumo", "gap")}
    smiles = [gdb[index[i]] for i in test]
    with tempfile.NamedTemporaryFile("w", suffix=".smi") as smi:
        smi.write("\n".join(smiles) + "\n")
        smi.flush()
        out = subprocess.run([adit, "predict", "--smiles-file", smi.name, "--json", *extra],
                             check=True, capture_output=True, text=True).stdout
    predictions = json.loads(out)["predictions"]
    assert len(predictions) == len(test)
    report = {"n": len(test), "units": "meV"}
    for k in ("homo", "lumo", "gap"):
        pred = np.array([p[k] if p[k] is not None else np.nan for p in predictions])
        ok = ~np.isnan(pred)
        report[k] = float(np.mean(np.abs(pred[ok] - dft[k][test][ok])) * 1000)
        report[k + "_mean_predictor"] = float(np.mean(np.abs(dft[k][train].mean() - dft[k][test])) * 1000)
        report["predicted"] = int(ok.sum())
    print(json.dumps(report, indent=2))

if __name__ == "__main__":
    main()
