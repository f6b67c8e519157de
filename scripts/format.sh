#!/usr/bin/env bash
# Formats every C++ source with the repository's clang-format (Google-based) style.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
git ls-files '*.cc' '*.h' | xargs clang-format -i
