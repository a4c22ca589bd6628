import { describe, expect, it } from 'vitest';
import { guestConfig, type GuestConfig } from '../../core/virtio/index.ts';
import { createReferenceSystem } from '../../impl/virtio/index.ts';
import {
  exploreSystem, pathToCommands, smallSystem, statesOnImplementation, type ExploreOptions,
} from '../../properties/explore.ts';

const plain = { mustTellHost: true, statsVq: false, deflateOnOom: false };
const full = { mustTellHost: true, statsVq: true, deflateOnOom: true };
const g = (ramPages: number, floorPages: number, features: GuestConfig['features']) => guestConfig({ ramPages, floorPages, features });

/**
 * Small configurations and the number of distinct abstract states of each (stateright habit: a
 * change to the spec shows up as a changed number; if one changes, say why in the commit).
 * The reload after a reset passes through the lifecycle region (model/virtio/lifecycle.ts): the
 * states with FEATURES_OK still to set, and with it set and DRIVER_OK not yet, are new (1378 ->
 * 1428, 10140 -> 10215, 3264 -> 3318).
 */
const CASES: { name: string; guests: GuestConfig[]; maxBatch: number; opts?: ExploreOptions; states: number }[] = [
  { name: '1 guest, 4 pages, no features, batch 2', guests: [g(4, 1, plain)], maxBatch: 2, states: 1428 },
  { name: '1 guest, 4 pages, STATS_VQ + DEFLATE_ON_OOM, batch 2', guests: [g(4, 1, full)], maxBatch: 2, states: 10215 },
  { name: '1 guest, 8 pages, no features, batch 4, targets 0/5/8', guests: [g(8, 2, plain)], maxBatch: 4, opts: { targets: [0, 5, 8] }, states: 3318 },
  { name: '2 guests, 4 pages each, batch 2', guests: [g(4, 1, plain), g(4, 1, full)], maxBatch: 2, states: 1428 * 10215 },
];

describe('exhaustive exploration of the virtio chart', () => {
  for (const c of CASES) {
    it(`${c.name}: ${c.states} abstract states, each reached on the reference implementation`, () => {
      const config = smallSystem(c.guests, c.maxBatch);
      const r = exploreSystem(config, c.opts);
      expect(r.states).toBe(c.states);
      r.guests.forEach((ex, gi) => {
        const missed: string[] = [];
        for (const [state, path] of ex.paths) {
          const { visited, divergence } = statesOnImplementation(createReferenceSystem, config, gi, pathToCommands(path, gi));
          if (divergence || !visited.has(state)) missed.push(`${state}${divergence ? ` (${divergence})` : ''}`);
          if (missed.length > 3) break;
        }
        expect(missed).toEqual([]);
      });
    });
  }

  it('stays bounded: a too-small limit throws instead of running out of memory', () => {
    expect(() => exploreSystem(smallSystem([g(4, 1, full)], 2), { limit: 100 })).toThrow(/limit/);
  });
});
