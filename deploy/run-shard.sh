#!/usr/bin/env bash
# One shard of a `balloon campaign`, as a CI matrix job or a Kubernetes Indexed Job pod runs it
# (deploy/github-actions.yml, deploy/k8s-indexed-job.yaml). Every shard of one campaign must get
# the same SEED, SHARDS, budget and CHUNK; only the shard number differs.
#
#   SHARD      this shard, 1-based (a CI matrix), or
#   SHARD_INDEX  this shard, 0-based (Kubernetes: JOB_COMPLETION_INDEX)
#   SHARDS     how many shards in all
#   SEED       the campaign seed
#   RUNS       runs per family, or TIME (90s, 10m, 2h): one of the two
#   WORKERS    threads in this shard (default: every core)
#   CHUNK      runs per unit (default 100)
#   OUT        where the report and traces go (default reports/campaign)
#   BALLOON    how to run the command (default: npx balloon)
#   EXTRA      more flags, e.g. "--family xen" or "--fault oom-deadlock"
#
# Exit 0 when the report was written, with or without failures: finding failures is the
# campaign's job, and `balloon merge` over every shard's report decides (exit 1 when a failure
# survives or a shard is missing). Exit 2 (bad input) and anything else pass through.
set -u
: "${SHARDS:?SHARDS: how many shards in all}"
: "${SEED:?SEED: the campaign seed, the same for every shard}"
if [ -n "${SHARD_INDEX:-}" ]; then SHARD=$((SHARD_INDEX + 1)); fi
: "${SHARD:?SHARD (1-based) or SHARD_INDEX (0-based)}"
budget=()
if [ -n "${TIME:-}" ]; then budget=(--time "$TIME"); else budget=(--runs "${RUNS:?RUNS or TIME}"); fi
workers=()
if [ -n "${WORKERS:-}" ]; then workers=(--workers "$WORKERS"); fi
# shellcheck disable=SC2086
${BALLOON:-npx balloon} campaign --seed "$SEED" --shard "$SHARD/$SHARDS" "${budget[@]}" "${workers[@]}" \
  --chunk "${CHUNK:-100}" --out "${OUT:-reports/campaign}" ${EXTRA:-}
rc=$?
if [ "$rc" -eq 1 ]; then echo "shard $SHARD/$SHARDS found failures: they are in its report; balloon merge decides" >&2; exit 0; fi
exit "$rc"
