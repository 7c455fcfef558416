#!/usr/bin/env bash
# Evaluates a trained BNN on labelled rows (per-class table, confusion matrix, accuracy=… last).
source "$(dirname "$0")/common.sh"
cd "$BNN_HOME"
bnn_submit org.bnnspark.cli.Evaluate "$@"
