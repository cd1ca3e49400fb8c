#!/usr/bin/env bash
# Builds sectorsim with warnings as errors and runs every test.
#   tools/test.sh            the default suite (unit, statistical, CLI, Python readers),
#                            then the same under ASan + UBSan, then the MPI build's
#                            distributed runs under mpirun, then 60 s of fuzzing
#   SECTORSIM_HEAVY=1 tools/test.sh   also the tests labelled heavy
#   SECTORSIM_SANITIZE=0              skip the sanitizer build (build-asan)
#   SECTORSIM_MPI=0                   skip the MPI build (build-test, reconfigured)
#   SECTORSIM_FUZZ_SECONDS=N          fuzz for N seconds (0 skips tools/fuzz.sh)
# Prints the time of each stage at the end.
set -euo pipefail
cd "$(dirname "$0")/.."
jobs=$(nproc)

timings=()
report() { if ((${#timings[@]})); then printf 'test.sh: %s\n' "${timings[@]}"; fi; }
trap report EXIT
stage() {
  local name=$1 start=$SECONDS
  shift
  "$@"
  timings+=("$(printf '%-16s %4d s' "$name" $((SECONDS - start)))")
}

default_suite() {
  # SECTORSIM_MPI=OFF: mpi_suite below leaves build-test configured with MPI.
  cmake -S . -B build-test -DCMAKE_BUILD_TYPE=Release -DSECTORSIM_WERROR=ON -DSECTORSIM_MPI=OFF
  cmake --build build-test -j"$jobs"
  local exclude=(-LE heavy)
  if [[ "${SECTORSIM_HEAVY:-0}" == 1 ]]; then exclude=(); fi
  ctest --test-dir build-test --output-on-failure -j"$jobs" "${exclude[@]}"
}

# The suite again under AddressSanitizer (leaks included) and
# UndefinedBehaviorSanitizer, any report fatal. Heavy, browser and scale tests
# are left to the default build, and so is the test of a wide run's peak
# resident memory, which ASan's shadow memory and quarantine decide.
sanitizer_suite() {
  cmake -S . -B build-asan -DCMAKE_BUILD_TYPE=Debug -DSECTORSIM_SANITIZE=ON -DSECTORSIM_WERROR=ON \
    -DSECTORSIM_BUILD_BENCH=OFF
  cmake --build build-asan -j"$jobs"
  ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 \
    UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
    ctest --test-dir build-asan --output-on-failure -j"$jobs" -LE 'heavy|browser|scale|statistical' \
    -E '^Cli\.WideScenarioRunsInBoundedMemory$'
}

# The MPI build (an option; the default build needs no MPI): build-test
# reconfigured with SECTORSIM_MPI=ON, whose flags are the default build's, so
# only engine/parallel (the one library it changes) is compiled and the
# command line relinked, not every library again in a folder of its own; its
# tests labelled mpi run 1, 2 and 3 processes under mpirun
# (tests/mpi/check_mpi.py). The next default_suite switches MPI off again.
mpi_suite() {
  cmake -S . -B build-test -DCMAKE_BUILD_TYPE=Release -DSECTORSIM_WERROR=ON -DSECTORSIM_MPI=ON
  cmake --build build-test -j"$jobs" --target sectorsim
  ctest --test-dir build-test --output-on-failure -L mpi
}

stage format tools/check-format.sh
stage default default_suite
if [[ "${SECTORSIM_SANITIZE:-1}" != 0 ]]; then stage sanitizers sanitizer_suite; fi
if [[ "${SECTORSIM_MPI:-1}" != 0 ]]; then stage mpi mpi_suite; fi
fuzz_seconds=${SECTORSIM_FUZZ_SECONDS:-60}
if [[ "$fuzz_seconds" != 0 ]]; then stage fuzz tools/fuzz.sh "$fuzz_seconds"; fi
