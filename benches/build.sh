#!/usr/bin/env bash
# Benchmark: wall time of `rbgen build` on the example spec (load, resolve,
# generate, write), measured with hyperfine over repeated runs.
#   benches/build.sh            # installs hyperfine from Debian if missing
# Report the mean and the machine (nproc, CPU model) with the figure.
set -euo pipefail
cd "$(dirname "$0")/.."
if ! command -v hyperfine >/dev/null; then
  apt-get update -qq && apt-get install -y -qq hyperfine >/dev/null
fi
cargo build --release --locked --quiet
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')"
hyperfine --warmup 5 --runs 50 -N \
  "target/release/rbgen build --spec spec --out $out/generated" \
  "target/release/rbgen build --spec spec --out $out/generated --check"
