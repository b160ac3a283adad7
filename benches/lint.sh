#!/usr/bin/env bash
# Cold and warm `rbgen lint` of the example spec (ShellCheck included), with
# hyperfine, optionally against another rbgen binary in the same run:
#
#   benches/lint.sh [--runs N] [--baseline PATH/TO/OLD/rbgen] [--spec DIR]
#
# "Cold" empties the ShellCheck cache before every run (every body is
# checked); "warm" reuses it (no ShellCheck process starts). To compare with
# the release before the command model (per-script ShellCheck):
#   git worktree add /tmp/rbgen-before 47a99f7
#   (cd /tmp/rbgen-before && cargo build --release)
#   benches/lint.sh --baseline /tmp/rbgen-before/target/release/rbgen
# (the baseline reads only the flags both versions have). A baseline older
# than the spec's format cannot read today's example (47a99f7 predates
# `when`): compare both on the baseline's own spec, --spec /tmp/rbgen-before/spec.
set -euo pipefail
cd "$(dirname "$0")/.."
runs=10
baseline=
spec=spec
while (($#)); do
  case $1 in
    --runs) runs=$2; shift 2 ;;
    --baseline) baseline=$2; shift 2 ;;
    --spec) spec=$2; shift 2 ;;
    *) echo "usage: benches/lint.sh [--runs N] [--baseline BIN] [--spec DIR]" >&2; exit 2 ;;
  esac
done
command -v hyperfine >/dev/null || { apt-get update -qq && apt-get install -y -qq hyperfine >/dev/null; }
cargo build --release --locked --quiet
rb=$PWD/target/release/rbgen
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'); $(date -u +%F)"
echo "$("$rb" --version), $(shellcheck --version | sed -n 's/^version: /shellcheck /p')"
args=(--today 2026-11-26 --spec "$spec" --out "$work/none")
# Cold runs empty their cache first, inside the timed command (`rm -rf` of a
# few kB: well under a millisecond).
cold() { echo "bash -c 'rm -rf $2; XDG_CACHE_HOME=$2 exec $1 lint ${args[*]}'"; }
cmds=(-n "rbgen lint, cold cache" "$(cold "$rb" "$work/cold")")
XDG_CACHE_HOME=$work/warm "$rb" lint "${args[@]}" >/dev/null 2>&1 || true
cmds+=(-n "rbgen lint, warm cache" "env XDG_CACHE_HOME=$work/warm $rb lint ${args[*]}")
if [[ -n $baseline ]]; then
  cmds+=(-n "baseline lint, cold cache" "$(cold "$baseline" "$work/bcold")")
  XDG_CACHE_HOME=$work/bwarm "$baseline" lint "${args[@]}" >/dev/null 2>&1 || true
  cmds+=(-n "baseline lint, warm cache" "env XDG_CACHE_HOME=$work/bwarm $baseline lint ${args[*]}")
fi
hyperfine -N -i --warmup 1 --runs "$runs" --export-markdown "$work/lint.md" "${cmds[@]}"
cat "$work/lint.md"
