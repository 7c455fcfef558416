#!/usr/bin/env bash
# Benchmarks.
#   jobs/bench.sh kernels [--forks N] [--m M --n N --k K]: single-threaded kernel throughput
#   jobs/bench.sh step [--config FILE[,FILE…]] [--batch N]: one partition's training step on one thread, no Spark
#   jobs/bench.sh training [--epochs N] [--strategies LIST] [--skip-mllib]: our sync strategies, the single-thread engine and Spark MLlib MLP on MNIST, local[2]
#   jobs/bench.sh scoring [--model DIR] [--rows N]: packed vs our float path vs MLlib MLP scoring, local[2]
#   jobs/bench.sh load [ROWS...]: scoring 1M and 10M generated Parquet rows with a 1 GiB heap; peak heap, rows/s
source "$(dirname "$0")/common.sh"
cd "$BNN_HOME"
what="${1:-}"
case "$what" in
  kernels)
    shift
    bnn_pick_java
    bnn_build
    exec "$BNN_JAVA" -Xmx4g "${BNN_JVM_FLAGS[@]}" -cp "$BNN_JAR:$BNN_HOME/target/jars/*" org.bnnspark.cli.Bench --forks 2 "$@" ;;
  step)
    shift
    bnn_pick_java
    bnn_build
    exec "$BNN_JAVA" -Xmx4g "${BNN_JVM_FLAGS[@]}" -cp "$BNN_JAR:$BNN_HOME/target/jars/*" org.bnnspark.cli.StepBench "$@" ;;
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
  load)
    # the driver is the executor in local mode: its heap is capped at 1 GiB. Parallel GC's full
    # collections give the live heap (what the job really holds); the largest is reported.
    shift
    dir="${BNN_LOAD_DIR:-$BNN_HOME/out/load}"
    sizes=("$@"); ((${#sizes[@]})) || sizes=(1000000 10000000)
    bnn_pick_java
    bnn_build
    for n in "${sizes[@]}"; do
      [[ -d "$dir/data-$n" ]] || (bnn_submit org.bnnspark.cli.LoadData --master "local[2]" --rows "$n" --model "$dir/model" --data "$dir/data-$n")
      rm -rf "$dir/preds-$n" "$dir/gc-$n.log"
      start=$(date +%s.%N)
      (BNN_DRIVER_MEMORY=1g BNN_JAVA_OPTS="-XX:+UseParallelGC -Xlog:gc:file=$dir/gc-$n.log" bnn_submit org.bnnspark.cli.Score \
        --master "local[2]" --model "$dir/model" --input "$dir/data-$n" --format parquet --output "$dir/preds-$n") | tail -1
      end=$(date +%s.%N)
      live=$(grep 'Pause Full' "$dir/gc-$n.log" | grep -o '[0-9]*M->[0-9]*M' | sed 's/.*->//; s/M//' | sort -n | tail -1)
      peak=$(grep -o '[0-9]*M->[0-9]*M' "$dir/gc-$n.log" | sed 's/M->.*//' | sort -n | tail -1)
      echo "load rows=$n heap_cap=1024M peak_live_heap=${live:-?}M peak_heap=${peak}M wall_s=$(awk "BEGIN{printf \"%.1f\", $end - $start}")"
    done ;;
  -h|--help)
    sed -n '2,7p' "$0" | sed 's/^# \{0,1\}//'
    echo "Each benchmark's own options: jobs/bench.sh kernels|step|training|scoring --help" ;;
  *)
    echo "error: jobs/bench.sh needs one of kernels, step, training, scoring, load (got '${what}'); see jobs/bench.sh --help" >&2
    exit 2 ;;
esac
