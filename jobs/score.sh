#!/usr/bin/env bash
# Scores rows with a trained BNN's packed XNOR model on Spark. jobs/score.sh --help lists the options.
source "$(dirname "$0")/common.sh"
cd "$BNN_HOME"
bnn_submit org.bnnspark.cli.Score "$@"
