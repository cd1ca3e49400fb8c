#!/usr/bin/env bash
# Builds sectorsim with warnings as errors and runs every test.
#   tools/test.sh            the default suite (unit, statistical, CLI, Python readers)
#   SECTORSIM_HEAVY=1 tools/test.sh   also the tests labelled heavy
set -euo pipefail
cd "$(dirname "$0")/.."
jobs=$(nproc)

tools/check-format.sh

cmake -S . -B build-test -DCMAKE_BUILD_TYPE=Release -DSECTORSIM_WERROR=ON
cmake --build build-test -j"$jobs"
exclude=(-LE heavy)
if [[ "${SECTORSIM_HEAVY:-0}" == 1 ]]; then exclude=(); fi
ctest --test-dir build-test --output-on-failure -j"$jobs" "${exclude[@]}"
