#!/usr/bin/env bash
# Process-level A/B of the SMA(10/30) run: this package's src against a commit's, in alternating
# fresh processes (JIT outcomes differ from process to process, so one process per side is not
# enough on a loaded machine). Each process reports the median CPU ms of `runs` runs; prints the
# median over processes. Usage: bash bench/ab-processes.sh <commit> [processes=6] [bars=1000000] [runs=7]
# (runs=3 is what `pnpm bench` times: the first runs of a process, before every loop is warm).
set -euo pipefail
cd "$(dirname "$0")/.."
C=$1; N=${2:-6}; BARS=${3:-1000000}; RUNS=${4:-7}
D=$(mktemp -d /tmp/backtest-ab-XXXXXX)
trap 'rm -rf "$D"' EXIT
git archive "$C" src | tar -x -C "$D"
ln -s "$PWD/node_modules" "$D/node_modules"
echo '{"type":"module"}' > "$D/package.json"
A=(); B=()
for _ in $(seq "$N"); do
  A+=("$(node --import tsx bench/ab-one.ts --lib "$D/src/index.ts" --bars "$BARS" --runs "$RUNS")")
  B+=("$(node --import tsx bench/ab-one.ts --bars "$BARS" --runs "$RUNS")")
done
echo "$C: ${A[*]} ms"
echo "this: ${B[*]} ms"
node -e '
const med = (s) => { const x = s.split(" ").map(Number).sort((a, b) => a - b); return x[x.length >> 1]; };
const a = med(process.argv[1]), b = med(process.argv[2]);
console.log(`median ${a} -> ${b} ms CPU: this is ${(a / b).toFixed(2)}x faster`);' "${A[*]}" "${B[*]}"
