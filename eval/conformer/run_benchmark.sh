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
for method in etkdg etkdg_mmff; do
  flag=""; [ $method = etkdg_mmff ] && flag="--mmff"
  /usr/bin/time -f "%e s wall" $ADIT conformer --smiles-file $OUT/test$N.smi --out $OUT/$method.sdf --method etkdg $flag --threads 2
  $ADIT eval geometry $OUT/$method.sdf $OUT/test$N.sdf --json $OUT/$method.json
  $PY eval/conformer/geometry_metrics.py $OUT/$method.sdf $OUT/test$N.sdf --compare $OUT/$method.json > $OUT/$method.py.json
  # independent baseline: RDKit's Python API, independent metrics
  $PY eval/conformer/etkdg_python.py $OUT/test$N.smi $OUT/${method}_python.sdf $flag
  $PY eval/conformer/geometry_metrics.py $OUT/${method}_python.sdf $OUT/test$N.sdf > $OUT/${method}_python.json
done
if [ -n "$MODEL" ]; then
  /usr/bin/time -f "%e s wall" $ADIT conformer --smiles-file $OUT/test$N.smi --out $OUT/model.sdf --model $MODEL --threads 2
  $ADIT eval geometry $OUT/model.sdf $OUT/test$N.sdf --json $OUT/model.json
  $PY eval/conformer/geometry_metrics.py $OUT/model.sdf $OUT/test$N.sdf --compare $OUT/model.json > $OUT/model.py.json
fi
for f in $OUT/*.json; do echo "$f: $(tr -d '\n ' < $f)"; done
