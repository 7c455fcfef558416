#!/usr/bin/env bash
# Runs Java notebooks headlessly, top to bottom, and saves them with their outputs (images included):
#   notebooks/run.sh                      all notebooks here, updated in place
#   notebooks/run.sh --output DIR NB...   the given notebooks, written to DIR
# Each notebook's cells run in one JShell session whose JVM has the project's classpath; the first
# failing cell stops that notebook and the script exits non-zero.
if [[ "${1:-}" == -h || "${1:-}" == --help ]]; then sed -n '2,6p' "$0" | sed 's/^# \{0,1\}//'; exit 0; fi
source "$(dirname "$0")/../jobs/common.sh"
cd "$BNN_HOME"
bnn_pick_java
bnn_build
args=("$@")
if ((${#args[@]} == 0)); then args=(notebooks/*.ipynb); fi
exec "$BNN_JAVA" "${BNN_JVM_FLAGS[@]}" -cp "$BNN_JAR:$BNN_HOME/target/jars/*" org.bnnspark.notebook.NotebookRunner \
  --vm-options "-Xmx${BNN_NOTEBOOK_MEMORY:-4g} ${BNN_JVM_FLAGS[*]}" "${args[@]}"
