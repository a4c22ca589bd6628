#!/usr/bin/env bash
# `npm run mutate`: mutation testing of impl/ (stryker.config.mjs), then bench/MUTATION.md.
#   npm run mutate                          one Stryker run over every file the config mutates
#   npm run mutate -- impl/a.ts impl/b.ts   one Stryker run per file, each report kept as soon
#                                           as its file is done (a long run interrupted keeps them)
# Extra Stryker options go in STRYKER_ARGS, e.g. STRYKER_ARGS="--concurrency 2".
set -euo pipefail
cd "$(dirname "$0")/.."
mkdir -p reports/mutation
# Which lines the check runs at all: V8 coverage of the same command (bench/mutation-report.ts
# tells survivors on executed code from those on code the check never reaches).
bash bench/mutation-coverage.sh
# shellcheck disable=SC2086  # STRYKER_ARGS is a list of options
if [ "$#" -eq 0 ]; then
  npx stryker run ${STRYKER_ARGS:-}
else
  for f in "$@"; do
    name="$(basename "$f" .ts)"
    MUTATION_REPORT="$name" npx stryker run --mutate "$f" ${STRYKER_ARGS:-}
  done
fi
npx tsx bench/mutation-report.ts
