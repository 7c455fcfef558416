#!/usr/bin/env bash
# Trains a BNN on Spark. jobs/train.sh --help lists the options.
source "$(dirname "$0")/common.sh"
cd "$BNN_HOME"
bnn_submit org.bnnspark.cli.Train "$@"
