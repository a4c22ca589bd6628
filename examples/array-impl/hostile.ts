/**
 * The malformed buffers of `hostile` commands (core/commands.ts HOSTILE_REQUESTS), built the way
 * the testbed defines them so that both implementations put the same bad gpfns on the queue.
 * @internal
 */
import type { HostileKind, QueueName, SystemConfig } from '../../core/index.ts';
import type { ArrayGuest } from './guest.ts';

export function hostileRequest(kind: HostileKind, pick: number, sys: SystemConfig, guest: ArrayGuest): { queue: QueueName; gpfns: number[] } {
  const space = guest.space;
  const beyond = (i: number) => [space + (pick % 7) + i, 0xffff_ffff, space];
  if (kind === 'out-of-range') return { queue: 'inflate', gpfns: beyond(0) };
  if (kind === 'not-ram') {
    const { holeStart, holePages } = guest.cfg;
    return { queue: 'inflate', gpfns: holePages > 0 ? [holeStart + (pick % holePages)] : beyond(1) };
  }
  if (kind === 'foreign') {
    // The first guest (in configuration order) with a larger gpfn space owns these gpfns.
    const other = sys.guests.find((c) => c.ramPages + c.holePages > space);
    const otherSpace = other ? other.ramPages + other.holePages : 0;
    return { queue: 'inflate', gpfns: other ? [space + (pick % (otherSpace - space))] : beyond(2) };
  }
  if (kind === 'duplicate') {
    const held = [...guest.held].sort((a, b) => a - b).slice(0, 2);
    return { queue: 'inflate', gpfns: held.length > 0 ? [...held, ...held] : [space, space] };
  }
  if (kind === 'unacked') {
    const b = guest.buffers.find((x) => x.queue === 'inflate' && !x.acked && x.origin !== 'hostile');
    if (!b) return hostileRequest('never-inflated', pick, sys, guest);
    return { queue: 'deflate', gpfns: b.gpfns.slice(0, 1 + (pick % b.gpfns.length)) };
  }
  if (kind === 'never-inflated') {
    const gpfns: number[] = [];
    for (let i = 0; i < space && gpfns.length < 3; i++) {
      if (!guest.held.has((pick + i) % space)) gpfns.push((pick + i) % space);
    }
    return { queue: 'deflate', gpfns };
  }
  // 'oversized': free-looking gpfns, one more than the batch limit, so only the size check refuses.
  const limit = sys.maxBatch + 1;
  const freeGpfns: number[] = [];
  for (let i = 0; i < guest.free.size && freeGpfns.length < limit; i++) {
    freeGpfns.push(...guest.gpfnsOfPage(guest.free.at((pick + i) % guest.free.size)));
  }
  return {
    queue: 'inflate',
    gpfns: Array.from({ length: limit }, (_, i) => (freeGpfns.length > 0 ? freeGpfns[i % freeGpfns.length] : space + i)),
  };
}
