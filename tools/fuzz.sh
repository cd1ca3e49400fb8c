#!/usr/bin/env bash
# Fuzzes the scenario loader with libFuzzer (ASan + UBSan) for SECONDS.
#   tools/fuzz.sh [SECONDS]      default 60, or $SECTORSIM_FUZZ_SECONDS
# Builds tests/fuzz/fuzz_scenario with clang in build-fuzz, copies the seed
# corpus to build-fuzz/run/corpus (new inputs found are kept there, not in the
# tree) and runs in a directory holding the shipped scenarios, so that seeds
# with `extends:` find their bases. Exits 1 on any crash, leak, timeout or
# out-of-memory; the reproducing input is left in build-fuzz/run/findings/ and
# belongs as a regression case in tests/data/config/regress/.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
seconds=${1:-${SECTORSIM_FUZZ_SECONDS:-60}}
build=$root/build-fuzz
run=$build/run

CC=clang CXX=clang++ cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=Debug -DSECTORSIM_FUZZ=ON \
  -DSECTORSIM_BUILD_TESTS=OFF -DSECTORSIM_BUILD_BENCH=OFF >/dev/null
cmake --build "$build" --target fuzz_scenario -j"$(nproc)"

rm -rf "$run"
mkdir -p "$run/corpus" "$run/findings" "$run/cwd"
cp tests/fuzz/corpus/* "$run/corpus/"
cp scenarios/*/*.yaml tests/data/config/*.yaml "$run/cwd/"

cd "$run/cwd"
set +e
"$build/tests/fuzz/fuzz_scenario" -max_len=65536 -timeout=10 -rss_limit_mb=2048 \
  -max_total_time="$seconds" -dict="$root/tests/fuzz/scenario.dict" \
  -artifact_prefix="$run/findings/" -print_final_stats=1 "$run/corpus" >"$run/fuzz.log" 2>&1
status=$?
set -e

execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$run/fuzz.log")
rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$run/fuzz.log")
if [[ -z "$execs" ]]; then  # stopped before the final stats: use the last status line
  last=$(grep -E '^#[0-9]+' "$run/fuzz.log" | tail -n 1 || true)
  execs=$(sed -E 's/^#([0-9]+).*/\1/' <<<"$last")
  rate=$(sed -nE 's/.*exec\/s: ([0-9]+).*/\1/p' <<<"$last")
fi
findings=$(find "$run/findings" -type f | sort)
if [[ $status -ne 0 || -n "$findings" ]]; then
  tail -n 60 "$run/fuzz.log"
  echo "fuzz: FAILED (exit $status) after ${execs:-?} executions; inputs:" >&2
  echo "${findings:-  (none written)}" >&2
  exit 1
fi
echo "fuzz: ${execs:-?} executions in ${seconds} s (${rate:-?} exec/s), corpus $(ls "$run/corpus" | wc -l) files, no findings"
