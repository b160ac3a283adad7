#!/usr/bin/env bash
# Scale benchmark (issue 6): rbgen lint (without ShellCheck) and rbgen build on
# 10, 100 and 1,000 synthetic runbooks of 20 steps in 2 environments; peak
# memory with /usr/bin/time -v; the floors (reading the spec, copying the
# generated tree); rbgen lint with ShellCheck (cold and warm cache) against
# plain shellcheck over the same scripts; rbgen build's book against mdbook.
#
#   benches/scale.sh [--runs N]
set -euo pipefail
cd "$(dirname "$0")/.."
runs=10
[[ ${1:-} == --runs ]] && runs=$2
for tool in hyperfine /usr/bin/time; do
  command -v "$tool" >/dev/null || { apt-get update -qq && apt-get install -y -qq hyperfine time >/dev/null; }
done
cargo build --release --locked --quiet
rb=$PWD/target/release/rbgen
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'); $(date -u +%F)"
for n in 10 100 1000; do
  benches/gen-spec.py "$work/s$n/spec" "$n" 20 2
  "$rb" build --spec "$work/s$n/spec" --out "$work/s$n/generated" 2>/dev/null
  printf 'spec %5d runbooks: %s spec files, %s generated files, %s\n' "$n" \
    "$(find "$work/s$n/spec" -name '*.toml' | wc -l)" "$(find "$work/s$n/generated" -type f | wc -l)" \
    "$(du -sh "$work/s$n/generated" | cut -f1)"
done
args=()
for n in 10 100 1000; do
  args+=(-n "lint-$n" "$rb lint --spec $work/s$n/spec --no-shellcheck --out $work/s$n/generated")
done
for n in 10 100 1000; do
  args+=(-n "build-$n" "$rb build --spec $work/s$n/spec --out $work/s$n/out")
done
hyperfine -N --warmup 1 --runs "$runs" --export-markdown "$work/scale.md" "${args[@]}" \
  -n "floor: cat spec (1000)" "bash -c 'cat $work/s1000/spec/*/*.toml >/dev/null'" \
  -n "floor: cp -r generated (1000)" --prepare "rm -rf $work/cp" "cp -r $work/s1000/generated $work/cp"
for n in 100 1000; do
  /usr/bin/time -v "$rb" build --spec "$work/s$n/spec" --out "$work/s$n/out" 2>&1 | grep -E 'Maximum resident|Elapsed' | sed "s/^/build-$n: /"
done
echo "== ShellCheck (10 runbooks, 20 scripts)"
XDG_CACHE_HOME=$work/warm "$rb" lint --spec "$work/s10/spec" --out "$work/s10/generated" >/dev/null 2>&1 || true
hyperfine -N --warmup 0 --runs 3 --export-markdown "$work/sc.md" \
  -n "rbgen lint, cold cache" --prepare "rm -rf $work/cache" "env XDG_CACHE_HOME=$work/cache $rb lint --spec $work/s10/spec --out $work/s10/generated" \
  -n "rbgen lint, warm cache" "env XDG_CACHE_HOME=$work/warm $rb lint --spec $work/s10/spec --out $work/s10/generated" \
  -n "plain shellcheck, same scripts" "bash -c 'shellcheck -s bash $work/s10/generated/scripts/*/*.sh'"
echo "== book (100 runbooks)"
cp book.toml "$work/s100/"
hyperfine -N --warmup 1 --runs "$runs" --export-markdown "$work/book.md" \
  -n "rbgen build (100 runbooks, all outputs)" "$rb build --spec $work/s100/spec --out $work/s100/generated" \
  -n "mdbook build of that book" "mdbook build $work/s100"
cat "$work/scale.md" "$work/sc.md" "$work/book.md"
