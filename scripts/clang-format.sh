#!/usr/bin/env bash
# Formats (--fix) or checks (--check) every C++ file of ours under firmware/ with the repo's .clang-format.
set -euo pipefail
cd "$(dirname "$0")/.."
mode=${1:---check}
mapfile -t files < <(git ls-files -co --exclude-standard 'firmware/*.cpp' 'firmware/*.h' 'firmware/*.hpp' | grep -v '^firmware/build/')
[ ${#files[@]} -gt 0 ] || { echo "clang-format: no C++ files"; exit 0; }
if [ "$mode" = "--fix" ]; then
  clang-format -i "${files[@]}"
  echo "clang-format: formatted ${#files[@]} files"
else
  clang-format --dry-run --Werror "${files[@]}"
  echo "clang-format: ${#files[@]} files formatted correctly"
fi
