#!/usr/bin/env bash
# Runs notebooks top to bottom in Jupyter (jupyter nbconvert --execute, the project's kernel "java",
# installed by notebooks/install-kernel.sh when missing) and saves them with their outputs:
#   notebooks/run.sh                      all notebooks here, updated in place
#   notebooks/run.sh --output DIR NB...   the given notebooks, written to DIR
# A cell's error stops that notebook (nothing is saved for it) and the script exits non-zero.
set -euo pipefail
if [[ "${1:-}" == -h || "${1:-}" == --help ]]; then sed -n '2,6p' "$0" | sed 's/^# \{0,1\}//'; exit 0; fi
here="$(cd "$(dirname "$0")" && pwd)"
cd "$here/.."
out=()
if [[ "${1:-}" == --output ]]; then out=(--output-dir "$2"); shift 2; else out=(--inplace); fi
nbs=("$@")
if ((${#nbs[@]} == 0)); then nbs=(notebooks/*.ipynb); fi
# the kernel's classpath is the build's: (re)install it so the kernelspec matches this checkout
"$here/install-kernel.sh"
status=0
for nb in "${nbs[@]}"; do
  echo "bnn-spark: running $nb" >&2
  # cells run in the notebook's directory, as in jupyter notebook
  jupyter nbconvert --to notebook --execute "${out[@]}" --ExecutePreprocessor.kernel_name=java \
    --ExecutePreprocessor.timeout="${BNN_NOTEBOOK_CELL_TIMEOUT:-1200}" "$nb" || status=1
done
exit "$status"
