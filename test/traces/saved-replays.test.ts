// Every trace `balloon check` saves replays with the verdict "reproduced" (issue 13: a trace
// listed every property while the round that found it had fewer, so another property failed first
// on replay). In CI: every bug-zoo fault at seed 1 with modest runs, in-process. The full sweep,
// seeds 1-3 at more runs: `npx tsx test/traces/saved-replays.ts [runs] [seeds]`.
import { expect, it } from 'vitest';
import { faultNames } from '../../impl/virtio/index.ts';
import { savedReplays, type SavedReplay } from './saved-replays.ts';

const RUNS = 150;

it(`every trace check saves for every zoo fault (seed 1, ${RUNS} runs) replays as "reproduced"`, () => {
  const all: SavedReplay[] = faultNames.flatMap((fault) => savedReplays(fault, 1, RUNS));
  // Most faults break several properties: each one's trace must come back as itself.
  expect(all.length).toBeGreaterThan(faultNames.length);
  expect(all.filter((r) => r.verdict !== 'reproduced')).toEqual([]);
}, 300_000);
