#!/usr/bin/env bash
# Per-layer summary of a packed model: jobs/inspect.sh MODEL (a training output directory, model.xnor or model.bnn).
source "$(dirname "$0")/common.sh"
if [[ $# -ge 1 && "$1" != --* ]]; then set -- --model "$@"; fi
bnn_pick_java
bnn_build
exec "$BNN_JAVA" "${BNN_JVM_FLAGS[@]}" -cp "$BNN_JAR:$BNN_HOME/target/jars/*" org.bnnspark.cli.Inspect "$@"
