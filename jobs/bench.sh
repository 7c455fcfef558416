#!/usr/bin/env bash
# Benchmarks.
#   jobs/bench.sh kernels [--forks N] [--m M --n N --k K]: single-threaded kernel throughput
#   jobs/bench.sh training [--epochs N] [--mllib-iterations N]: ours vs Spark MLlib MLP on MNIST, local[2]
source "$(dirname "$0")/common.sh"
cd "$BNN_HOME"
what="${1:-}"
case "$what" in
  kernels)
    shift
    bnn_pick_java
    bnn_build
    exec "$BNN_JAVA" -Xmx4g "${BNN_JVM_FLAGS[@]}" -cp "$BNN_JAR:$BNN_HOME/target/jars/*" org.bnnspark.cli.Bench --forks 2 "$@" ;;
  training)
    # ours (quick-start config) vs Spark MLlib's MLP, same cached MNIST, same local[2] SparkContext
    shift
    if [[ " $* " != *" --data "* ]]; then set -- --data "$("$BNN_HOME/jobs/fetch-mnist.sh")" "$@"; fi
    bnn_submit org.bnnspark.cli.TrainingBench --master "${BNN_BENCH_MASTER:-local[2]}" "$@" ;;
  *)
    echo "usage: jobs/bench.sh kernels|training [options]   (jobs/bench.sh kernels --help)" >&2
    exit 2 ;;
esac
