#!/usr/bin/env bash
# The quick start: fetch MNIST, build, train the default BNN on an embedded local Spark,
# print the test accuracy and write the model to ./out/quickstart (or the directory given).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
out="${1:-out/quickstart}"
mnist="$("$here/fetch-mnist.sh")"
rm -rf "$out"
exec "$here/train.sh" --data "$mnist" --config "$here/../conf/mnist-quickstart.json" --master "local[*]" --output "$out"
