#!/usr/bin/env bash
# `npm run mutate`: mutation testing of impl/ (stryker.config.mjs), then bench/MUTATION.md.
#   npm run mutate                          one Stryker run per family folder (impl/<family>/,
#                                           judged by that family's check alone), then one for
#                                           the shared files (impl/*.ts, judged by every family's)
#   npm run mutate -- impl/a.ts impl/b.ts   one Stryker run per file, judged the same way, each
#                                           report kept as soon as its file is done (a long run
#                                           interrupted keeps them)
# Extra Stryker options go in STRYKER_ARGS, e.g. STRYKER_ARGS="--concurrency 2".
set -euo pipefail
cd "$(dirname "$0")/.."
mkdir -p reports/mutation
# Which lines the check runs at all: V8 coverage of the same command (bench/mutation-coverage.sh
# runs every family's check, so it covers each family's folder too).
bash bench/mutation-coverage.sh

# The family a path belongs to (impl/<family>/...), empty for the shared files.
family_of() {
  case "$1" in
    impl/*/*) f="${1#impl/}"; echo "${f%%/*}" ;;
    *) echo "" ;;
  esac
}

# shellcheck disable=SC2086  # STRYKER_ARGS is a list of options
if [ "$#" -eq 0 ]; then
  for dir in impl/*/; do
    family="$(basename "$dir")"
    MUTATION_FAMILY="$family" MUTATION_REPORT="$family" \
      npx stryker run --mutate "impl/$family/**/*.ts,!impl/$family/faults.ts" ${STRYKER_ARGS:-}
  done
  MUTATION_REPORT=shared npx stryker run --mutate 'impl/*.ts' ${STRYKER_ARGS:-}
else
  for f in "$@"; do
    name="$(echo "${f%.ts}" | tr / -)"
    MUTATION_FAMILY="$(family_of "$f")" MUTATION_REPORT="$name" npx stryker run --mutate "$f" ${STRYKER_ARGS:-}
  done
fi
npx tsx bench/mutation-report.ts
