/**
 * The malformed buffers of `hostile` commands (core/virtio/commands.ts HOSTILE_REQUESTS): test input,
 * so they are built here, beside the workload, from the observation at the moment of the step,
 * and every implementation is handed the same bad buffer (the runner fills the command's `queue`
 * and `gpfns` in). Each list is chosen so that a correct device must refuse every entry; `pick`
 * varies which bad gpfns. The implementation's part is only to refuse them (impl/virtio/device.ts).
 */
import {
  gpfnSpace, PageState, type Command, type HostileKind, type Observation, type QueueName, type SystemConfig,
} from '../core/virtio/index.ts';

type Hostile = Extract<Command, { kind: 'hostile' }>;

/** The command with its buffer filled in, as the runner applies it; unchanged when it has one. */
export function resolveHostile(c: Hostile, config: SystemConfig, obs: Observation): Hostile {
  // An unknown guest is the implementation's to refuse (guest/unknown); nothing to build.
  if ((c.gpfns && c.queue) || !config.guests[c.guest] || !obs.guests[c.guest]) return c;
  return { ...c, ...hostileBuffer(c.request, c.pick, config, c.guest, obs) };
}

/** The bad buffer a hostile request of `kind` puts on guest `guest`'s queue now. */
export function hostileBuffer(
  kind: HostileKind, pick: number, sys: SystemConfig, guest: number, obs: Observation,
): { queue: QueueName; gpfns: number[] } {
  const cfg = sys.guests[guest];
  const g = obs.guests[guest];
  const space = gpfnSpace(cfg);
  const pastEnd = (i: number) => [space + (pick % 7) + i, 0xffff_ffff, space];
  switch (kind) {
    case 'out-of-range':
      return { queue: 'inflate', gpfns: pastEnd(0) };
    case 'not-ram':
      return { queue: 'inflate', gpfns: cfg.holePages > 0 ? [cfg.holeStart + (pick % cfg.holePages)] : pastEnd(1) };
    case 'foreign': {
      // A gpfn that is valid in some other guest but not here: a device that looked it up in
      // the wrong guest's table would change that guest's memory (invariant 9).
      const bigger = sys.guests.map(gpfnSpace).filter((s) => s > space);
      return { queue: 'inflate', gpfns: bigger.length > 0 ? [space + (pick % (bigger[0] - space))] : pastEnd(2) };
    }
    case 'duplicate': {
      const held: number[] = [];
      for (let n = 0; n < space && held.length < 2; n++) if (g.hostBallooned[n]) held.push(n);
      return { queue: 'inflate', gpfns: held.length > 0 ? [...held, ...held] : [space, space] };
    }
    case 'unacked': {
      const b = g.inflight.find((x) => x.queue === 'inflate' && !x.acked && x.origin !== 'hostile' && x.gpfns.length > 0);
      if (b) return { queue: 'deflate', gpfns: b.gpfns.slice(0, 1 + (pick % b.gpfns.length)) };
      return hostileBuffer('never-inflated', pick, sys, guest, obs);
    }
    case 'never-inflated': {
      const out: number[] = [];
      for (let i = 0; i < space && out.length < 3; i++) {
        const n = (pick + i) % space;
        if (!g.hostBallooned[n]) out.push(n);
      }
      return { queue: 'deflate', gpfns: out };
    }
    case 'oversized': {
      // Valid-looking free gpfns, but one too many of them: the size check alone must refuse it.
      const free: number[] = [];
      for (let n = 0; n < space; n++) if (g.pageState[n] === PageState.Free) free.push(n);
      const start = free.length > 0 ? (pick * cfg.guestPageGpfns) % free.length : 0;
      const out: number[] = [];
      for (let i = 0; out.length < sys.maxBatch + 1; i++) out.push(free.length > 0 ? free[(start + i) % free.length] : space + i);
      return { queue: 'inflate', gpfns: out };
    }
  }
}
