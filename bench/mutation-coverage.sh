#!/usr/bin/env bash
# V8 coverage (through c8 and tsx's source maps) of the command Stryker judges mutants with, so
# that bench/mutation-report.ts can tell mutants on lines the check runs from lines it never runs
# (Stryker's command runner cannot: it has no per-test coverage).
set -euo pipefail
cd "$(dirname "$0")/.."
npx c8 --reporter=json --report-dir=reports/mutation/coverage --temp-directory=reports/mutation/coverage/tmp \
  --include='impl/**' --exclude-after-remap \
  node bin/balloon.js check --runs 300 --seed 1 > /dev/null
