#!/usr/bin/env bash
# Benchmarks. jobs/bench.sh kernels [--forks N] [--m M --n N --k K]: single-threaded kernel throughput.
source "$(dirname "$0")/common.sh"
cd "$BNN_HOME"
what="${1:-}"
case "$what" in
  kernels)
    shift
    bnn_pick_java
    bnn_build
    exec "$BNN_JAVA" -Xmx4g "${BNN_JVM_FLAGS[@]}" -cp "$BNN_JAR:$BNN_HOME/target/jars/*" org.bnnspark.cli.Bench --forks 2 "$@" ;;
  *)
    echo "usage: jobs/bench.sh kernels [options]   (jobs/bench.sh kernels --help)" >&2
    exit 2 ;;
esac
