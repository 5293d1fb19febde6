#!/bin/sh
# Molecule3D-protocol benchmark on QM9 DFT geometries (see docs/BENCHMARKS.md, ## conformer).
# Usage: eval/conformer/run_benchmark.sh [N_TEST] [MODEL.pt]   (from the repository root, after a build)
# Needs ../shared/data/qm9 (or QM9_DIR) and writes into runs/conformer-bench/ (ignored by git).
set -eu
N=${1:-300}
MODEL=${2:-}
QM9=${QM9_DIR:-../shared/data/qm9}
ADIT=${ADIT:-build/adit}
PY=/usr/bin/python3
OUT=runs/conformer-bench
mkdir -p $OUT
# Held-out test molecules: EDM's QM9 test split (none of them is in qm9_dft_train).
$PY eval/conformer/prepare_qm9.py $QM9/qm9_dft_12000.extxyz.gz $QM9/qm9_smiles.csv.gz $OUT/test$N --count $N
T=$OUT/test$N
for method in etkdg etkdg_mmff; do
  flag=""; [ $method = etkdg_mmff ] && flag="--mmff"
  /usr/bin/time -f "%e s wall" $ADIT conformer --smiles-file $T.smi --out $OUT/$method.sdf --method etkdg $flag --threads 2
  # independent baseline: RDKit's Python API
  $PY eval/conformer/etkdg_python.py $T.smi $OUT/${method}_python.sdf $flag
done
[ -n "$MODEL" ] && /usr/bin/time -f "%e s wall" $ADIT conformer --smiles-file $T.smi --out $OUT/model.sdf --model $MODEL --no-mmff --threads 2
[ -n "$MODEL" ] && $ADIT conformer --smiles-file $T.smi --out $OUT/model_mmff.sdf --model $MODEL --mmff --threads 2
# RDKit's ETKDG fails on some strained cages (adit's --method etkdg starts those from Open Babel's
# builder instead, SDF property `geometry`): compare every method on the molecules RDKit's own
# Python ETKDG embedded, and also on all of them (the *_all.json files).
for pred in etkdg etkdg_mmff model model_mmff; do
  [ -f $OUT/$pred.sdf ] && $ADIT eval geometry $OUT/$pred.sdf $T.sdf --json $OUT/${pred}_all.json > /dev/null
done
$PY eval/conformer/subset_sdf.py $OUT/etkdg_python.sdf $T.sdf $OUT/ref_common.sdf
for pred in etkdg etkdg_mmff etkdg_python etkdg_mmff_python model model_mmff; do
  [ -f $OUT/$pred.sdf ] || continue
  $PY eval/conformer/subset_sdf.py $OUT/etkdg_python.sdf $OUT/$pred.sdf $OUT/${pred}_common.sdf
  $ADIT eval geometry $OUT/${pred}_common.sdf $OUT/ref_common.sdf --json $OUT/$pred.json > /dev/null
  # adit's metrics checked against the independent numpy computation (fails if > 1e-3 Å apart)
  $PY eval/conformer/geometry_metrics.py $OUT/${pred}_common.sdf $OUT/ref_common.sdf --compare $OUT/$pred.json > $OUT/$pred.py.json
done
for f in $OUT/*.json; do echo "$f: $(tr -d '\n ' < $f)"; done
