#!/usr/bin/env bash
# Main-thread instructions per bar of the engine's SMA(10/30) run (callgrind): the difference
# between 2 runs and 1 run of bench/steady.ts, divided by the bar count. Needs valgrind.
# Usage: bash bench/instructions.sh [bars=100000]
set -euo pipefail
cd "$(dirname "$0")/.."
BARS=${1:-100000}
OUT=$(mktemp -d /tmp/btperf-cg-XXXXXX)
count() {
  valgrind --tool=callgrind --smc-check=all-non-file --separate-threads=yes \
    --callgrind-out-file="$OUT/cg.$1" node --import tsx bench/steady.ts --bars "$BARS" --runs "$1" >/dev/null 2>"$OUT/log.$1"
  # Thread 1 is the main (JavaScript) thread.
  grep -h '^summary:' "$OUT/cg.$1-01" | awk '{print $2}'
}
ONE=$(count 1)
TWO=$(count 2)
echo "1 run: $ONE  2 runs: $TWO  instructions/bar: $(( (TWO - ONE) / BARS ))"
rm -rf "$OUT"
