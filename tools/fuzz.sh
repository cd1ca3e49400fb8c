#!/usr/bin/env bash
# Fuzzes the scenario loader and the command line's options with libFuzzer
# (ASan + UBSan), SECONDS in all.
#   tools/fuzz.sh [SECONDS]      default 60, or $SECTORSIM_FUZZ_SECONDS
# Builds tests/fuzz/fuzz_scenario and tests/fuzz/fuzz_cli with clang in
# build-fuzz and runs them side by side (one process each, so on two cores the
# stage takes the longer one's time): fuzz_cli for a third of SECONDS (at
# least 5 s, at most half), fuzz_scenario for the rest. Each runs
# on a copy of its seed corpus (tests/fuzz/corpus, tests/fuzz/corpus-cli) in
# build-fuzz/run and build-fuzz/run-cli (new inputs found are kept there, not
# in the tree); fuzz_scenario runs in a directory holding the shipped
# scenarios, so that seeds with `extends:` find their bases. Exits 1 on any
# crash, leak, timeout or out-of-memory of either; the reproducing input is
# left in the run's findings/ and belongs as a regression case in
# tests/data/config/regress/ (a scenario) or tests/test_cli.cpp (a command line).
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
seconds=${1:-${SECTORSIM_FUZZ_SECONDS:-60}}
if ! [[ "$seconds" =~ ^[0-9]+$ ]] || ((seconds < 2)); then
  echo "fuzz: SECONDS must be a whole number >= 2 (got '$seconds')" >&2
  exit 2
fi
cli_seconds=$((seconds / 3 < 5 ? 5 : seconds / 3))
cli_seconds=$((cli_seconds > seconds / 2 ? seconds / 2 : cli_seconds))
scenario_seconds=$((seconds - cli_seconds))
build=$root/build-fuzz

CC=clang CXX=clang++ cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=Debug -DSECTORSIM_FUZZ=ON \
  -DSECTORSIM_BUILD_TESTS=OFF -DSECTORSIM_BUILD_BENCH=OFF >/dev/null
cmake --build "$build" --target fuzz_scenario fuzz_cli -j"$(nproc)"

# fuzz TARGET SECONDS CORPUS DICT RUN_DIR CWD MAX_LEN: runs one target; prints
# its summary line; returns 1 on a finding.
fuzz() {
  local target=$1 secs=$2 corpus=$3 dict=$4 run=$5 cwd=$6 max_len=$7 status
  mkdir -p "$run/corpus" "$run/findings"
  cp "$corpus"/* "$run/corpus/"
  set +e
  (cd "$cwd" && "$build/tests/fuzz/$target" -max_len="$max_len" -timeout=10 -rss_limit_mb=2048 \
    -max_total_time="$secs" -dict="$dict" -artifact_prefix="$run/findings/" \
    -print_final_stats=1 "$run/corpus" >"$run/fuzz.log" 2>&1)
  status=$?
  set -e

  local execs rate last findings
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
    echo "fuzz $target: FAILED (exit $status) after ${execs:-?} executions; inputs:" >&2
    echo "${findings:-  (none written)}" >&2
    return 1
  fi
  echo "fuzz $target: ${execs:-?} executions in ${secs} s (${rate:-?} exec/s)," \
    "corpus $(ls "$run/corpus" | wc -l) files, no findings"
}

run=$build/run
rm -rf "$run" "$build/run-cli"
mkdir -p "$run/cwd"
cp scenarios/*/*.yaml tests/data/config/*.yaml "$run/cwd/"

# Both at once, each with its output in a file, printed in this order after.
fuzz fuzz_scenario "$scenario_seconds" tests/fuzz/corpus "$root/tests/fuzz/scenario.dict" \
  "$run" "$run/cwd" 65536 >"$build/fuzz_scenario.out" 2>&1 &
scenario_pid=$!
fuzz fuzz_cli "$cli_seconds" tests/fuzz/corpus-cli "$root/tests/fuzz/cli.dict" \
  "$build/run-cli" "$build/run-cli" 4096 >"$build/fuzz_cli.out" 2>&1 &
cli_pid=$!
failed=0
wait "$scenario_pid" || failed=1
wait "$cli_pid" || failed=1
cat "$build/fuzz_scenario.out" "$build/fuzz_cli.out"
exit "$failed"
