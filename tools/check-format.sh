#!/usr/bin/env bash
# Fails when a C++ file differs from its clang-format rendering.
set -euo pipefail
cd "$(dirname "$0")/.."
mapfile -t files < <(git ls-files '*.cpp' '*.hpp' '*.h' 2>/dev/null || find engine models apps tests bench -name '*.[ch]pp')
if ((${#files[@]} == 0)); then exit 0; fi
clang-format --dry-run -Werror "${files[@]}"
echo "check-format: ${#files[@]} files clean"
