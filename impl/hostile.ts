/**
 * Builds the gpfn lists of hostile requests (core/commands.ts HOSTILE_REQUESTS). Each list is
 * chosen so that a correct device must refuse every entry; `pick` varies which bad gpfns.
 * @internal
 */
import type { HostileKind, QueueName, SystemConfig } from '../core/index.ts';
import { gpfnSpace } from '../core/index.ts';
import type { BalloonDevice } from './device.ts';
import type { GuestMemory } from './guest-memory.ts';
import type { VirtQueues } from './virtqueue.ts';

export function hostileBuffer(
  kind: HostileKind, pick: number, sys: SystemConfig, mem: GuestMemory, dev: BalloonDevice, q: VirtQueues,
): { queue: QueueName; gpfns: number[] } {
  const space = mem.space;
  const pastEnd = (i: number) => [space + (pick % 7) + i, 0xffff_ffff, space];
  switch (kind) {
    case 'out-of-range':
      return { queue: 'inflate', gpfns: pastEnd(0) };
    case 'not-ram': {
      const { holeStart, holePages } = mem.cfg;
      return { queue: 'inflate', gpfns: holePages > 0 ? [holeStart + (pick % holePages)] : pastEnd(1) };
    }
    case 'foreign': {
      // A gpfn that is valid in some other guest but not here: a device that looked it up in
      // the wrong guest's table would change that guest's memory (invariant 9).
      const bigger = sys.guests.map(gpfnSpace).filter((s) => s > space);
      return { queue: 'inflate', gpfns: bigger.length > 0 ? [space + (pick % (bigger[0] - space))] : pastEnd(2) };
    }
    case 'duplicate': {
      const held: number[] = [];
      for (let n = 0; n < space && held.length < 2; n++) if (dev.ballooned[n]) held.push(n);
      return { queue: 'inflate', gpfns: held.length > 0 ? [...held, ...held] : [space, space] };
    }
    case 'unacked': {
      const b = q.buffers.find((x) => x.queue === 'inflate' && !x.acked && x.origin !== 'hostile');
      if (b) return { queue: 'deflate', gpfns: b.gpfns.slice(0, 1 + (pick % b.gpfns.length)) };
      return hostileBuffer('never-inflated', pick, sys, mem, dev, q);
    }
    case 'never-inflated': {
      const out: number[] = [];
      for (let i = 0; i < space && out.length < 3; i++) {
        const n = (pick + i) % space;
        if (!dev.ballooned[n]) out.push(n);
      }
      return { queue: 'deflate', gpfns: out };
    }
    case 'oversized': {
      // Valid-looking free gpfns, but one too many of them: the size check alone must refuse it.
      const free: number[] = [];
      for (let i = 0; i < mem.free.size && free.length < sys.maxBatch + 1; i++) {
        const p = mem.free.at((pick + i) % mem.free.size);
        for (let x = 0; x < mem.gpp; x++) free.push(p * mem.gpp + x);
      }
      const out: number[] = [];
      for (let i = 0; out.length < sys.maxBatch + 1; i++) out.push(free.length > 0 ? free[i % free.length] : space + i);
      return { queue: 'inflate', gpfns: out };
    }
  }
}
