#!/usr/bin/env bash
# Benchmarks.
#   jobs/bench.sh kernels [--forks N] [--m M --n N --k K]: single-threaded kernel throughput
#   jobs/bench.sh training [--epochs N] [--mllib-iterations N]: ours vs Spark MLlib MLP on MNIST, local[2]
#   jobs/bench.sh scoring [--model DIR] [--rows N]: packed vs our float path vs MLlib MLP scoring, local[2]
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
  scoring)
    # scores the quick-start model (trained first when missing) over MNIST's test set replicated to 1M rows
    shift
    if [[ " $* " != *" --data "* ]]; then set -- --data "$("$BNN_HOME/jobs/fetch-mnist.sh")" "$@"; fi
    if [[ " $* " != *" --model "* && ! -f "$BNN_HOME/out/quickstart/model.bnn" ]]; then "$BNN_HOME/jobs/quickstart.sh" >&2; fi
    BNN_DRIVER_MEMORY="${BNN_DRIVER_MEMORY:-12g}" bnn_submit org.bnnspark.cli.ScoringBench --master "${BNN_BENCH_MASTER:-local[2]}" "$@" ;;
  *)
    echo "usage: jobs/bench.sh kernels|training|scoring [options]   (jobs/bench.sh kernels --help)" >&2
    exit 2 ;;
esac
