/**
 * After fast-check has shrunk the commands, make the configuration as plain as the failure
 * allows: guests no command names are dropped, then features, holes, floors, assigned devices,
 * big pages and small batches are switched back to the plainest value one at a time, each change
 * kept only if the same property still fails. fast-check cannot do this itself: the commands are
 * generated from the configuration (`chain`), which it does not shrink well. The result is what
 * a reader sees and what the trace records; the seed and path still name the unsimplified case.
 */
import { configProblems, guestId, type Command, type GuestConfig, type SystemConfig } from '../core/virtio/index.ts';
import type { Case } from './workload.ts';

/** `stillFails(c)` says whether a candidate case still fails the same way. */
export function simplifyCase(c: Case, stillFails: (c: Case) => boolean): Case {
  let best = dropUnusedGuests(c, stillFails);
  for (const candidate of candidates(best.config)) {
    const next = { config: candidate(best.config), commands: best.commands };
    if (configProblems(next.config).length === 0 && stillFails(next)) best = next;
  }
  return best;
}

function dropUnusedGuests(c: Case, stillFails: (c: Case) => boolean): Case {
  const used = [...new Set(c.commands.map((x) => x.guest as number))].sort((a, b) => a - b);
  if (used.length === 0 || used.length === c.config.guests.length) return c;
  const renumber = new Map(used.map((g, i) => [g, i]));
  const next: Case = {
    config: { ...c.config, guests: used.map((g) => c.config.guests[g]) },
    commands: c.commands.map((x) => ({ ...x, guest: guestId(renumber.get(x.guest)!) }) as Command),
  };
  return stillFails(next) ? next : c;
}

type Edit = (s: SystemConfig) => SystemConfig;

function candidates(s: SystemConfig): Edit[] {
  const perGuest = (i: number, f: (g: GuestConfig) => GuestConfig): Edit =>
    (x) => ({ ...x, guests: x.guests.map((g, j) => (j === i ? f(g) : g)) });
  const edits: Edit[] = [
    (x) => ({ ...x, hostPageGpfns: 1 }),
    (x) => ({ ...x, maxBatch: 256 }),
  ];
  s.guests.forEach((_, i) => {
    for (const k of ['mustTellHost', 'statsVq', 'deflateOnOom'] as const) {
      edits.push(perGuest(i, (g) => ({ ...g, features: { ...g.features, [k]: false } })));
    }
    edits.push(perGuest(i, (g) => ({ ...g, assignedDevice: false })));
    edits.push(perGuest(i, (g) => ({ ...g, holePages: 0 })));
    edits.push(perGuest(i, (g) => ({ ...g, floorPages: 0 })));
  });
  return edits;
}
