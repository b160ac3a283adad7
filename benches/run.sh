#!/usr/bin/env bash
# Benchmarks of rbgen on the example spec, with hyperfine (Debian), in one run:
#   build (all outputs)  vs  mdbook build of the book it writes
#   build --check
#   lint without ShellCheck, lint with a warm ShellCheck cache, with a cold one
#
#   benches/run.sh [--runs N]       (installs hyperfine if missing)
# Prints the machine and hyperfine's table; record the figures in docs/benchmarks.md.
set -euo pipefail
cd "$(dirname "$0")/.."
runs=30
[[ ${1:-} == --runs ]] && runs=$2
command -v hyperfine >/dev/null || { apt-get update -qq && apt-get install -y -qq hyperfine >/dev/null; }
cargo build --release --locked --quiet
rb=$PWD/target/release/rbgen
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
"$rb" build --out "$work/generated" 2>/dev/null
cp book.toml "$work/"
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'); $(date -u +%F)"
echo "rbgen $("$rb" --version), $(mdbook --version 2>/dev/null || echo 'mdbook missing'), $(shellcheck --version | sed -n 's/^version: /shellcheck /p')"
hyperfine -N --warmup 3 --runs "$runs" --export-markdown "$work/build.md" \
  -n "rbgen build (example spec, all outputs)" "$rb build --spec spec --out $work/generated" \
  -n "rbgen build --check" "$rb build --spec spec --out $work/generated --check" \
  -n "mdbook build (rbgen's book output)" "mdbook build $work"
XDG_CACHE_HOME=$work/warm "$rb" lint --spec spec --out generated >/dev/null 2>&1 || true
hyperfine -N --warmup 3 --runs "$runs" --export-markdown "$work/lint.md" \
  -n "rbgen lint --no-shellcheck" "$rb lint --spec spec --out generated --no-shellcheck" \
  -n "rbgen lint (ShellCheck, warm cache)" "env XDG_CACHE_HOME=$work/warm $rb lint --spec spec --out generated" \
  -n "rbgen lint (ShellCheck, cold cache)" --prepare "rm -rf $work/cold" "env XDG_CACHE_HOME=$work/cold $rb lint --spec spec --out generated"
cat "$work/build.md" "$work/lint.md"
