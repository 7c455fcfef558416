#!/usr/bin/env bash
# The quick start: fetch MNIST, build, train the default BNN on an embedded local Spark,
# print the test accuracy and write the model to ./out/quickstart (or the directory given).
set -euo pipefail
if [[ "${1:-}" == -h || "${1:-}" == --help ]]; then
  echo "usage: jobs/quickstart.sh [OUTPUT_DIR]   (default out/quickstart; replaced if present)"
  echo "Fetches MNIST, builds, trains conf/mnist-quickstart.json on local[*], prints test_accuracy=… last."
  exit 0
fi
here="$(cd "$(dirname "$0")" && pwd)"
out="${1:-out/quickstart}"
mnist="$("$here/fetch-mnist.sh")"
rm -rf "$out"
exec "$here/train.sh" --data "$mnist" --config "$here/../conf/mnist-quickstart.json" --master "local[*]" --output "$out"
