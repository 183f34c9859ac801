#!/usr/bin/env bash
# Process-level A/B of the SMA(10/30) run: this package's src against a commit's, in alternating
# fresh processes (JIT outcomes differ from process to process, so one process per side is not
# enough on a loaded machine). Each process reports the median CPU ms of `runs` runs; prints the
# median over processes. Usage: bash bench/ab-processes.sh <commit> [processes=6] [bars=1000000] [runs=7]
# (runs=3 is what `pnpm bench` times: the first runs of a process, before every loop is warm).
# Both sides load a copy of their src through --lib (this side a copy of the working tree's): with
# this side imported from the package's own src and the other through --lib, an A/A run of the
# same code read 1.45x at runs=1. Even so, runs=1 is bimodal here (~750 or ~1200 ms for the
# same code; A/A read 1.28x, then 0.91x): use runs >= 3 and many processes. A/A at runs=7: 0.98x.
set -euo pipefail
cd "$(dirname "$0")/.."
C=$1; N=${2:-6}; BARS=${3:-1000000}; RUNS=${4:-7}
D=$(mktemp -d /tmp/backtest-ab-XXXXXX)
H=$(mktemp -d /tmp/backtest-ab-XXXXXX)
trap 'rm -rf "$D" "$H"' EXIT
git archive "$C" src | tar -x -C "$D"
cp -r src "$H/src"
for X in "$D" "$H"; do
  ln -s "$PWD/node_modules" "$X/node_modules"
  echo '{"type":"module"}' > "$X/package.json"
done
A=(); B=()
for _ in $(seq "$N"); do
  A+=("$(node --import tsx bench/ab-one.ts --lib "$D/src/index.ts" --bars "$BARS" --runs "$RUNS")")
  B+=("$(node --import tsx bench/ab-one.ts --lib "$H/src/index.ts" --bars "$BARS" --runs "$RUNS")")
done
echo "$C: ${A[*]} ms"
echo "this: ${B[*]} ms"
node -e '
const med = (s) => { const x = s.split(" ").map(Number).sort((a, b) => a - b); return x[x.length >> 1]; };
const a = med(process.argv[1]), b = med(process.argv[2]);
console.log(`median ${a} -> ${b} ms CPU: this is ${(a / b).toFixed(2)}x faster`);' "${A[*]}" "${B[*]}"
