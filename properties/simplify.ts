/**
 * After fast-check has shrunk the commands, make the configuration as plain as the failure
 * allows: guests no command names are dropped, then features, holes, floors, assigned devices,
 * big pages and small batches are switched back to the plainest value one at a time, each change
 * kept only if the same property still fails. fast-check cannot do this itself: the commands are
 * generated from the configuration (`chain`), which it does not shrink well. Last, each reset that
 * negotiates (withholds features, has its FEATURES_OK refused: properties/workload.ts
 * negotiationArb) is made a plain reset, or failing that loses one of the two, when the failure
 * does not need it. The result is what a reader sees and what the trace records; the seed and
 * path still name the unsimplified case.
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
  return plainResets(best, stillFails);
}

/**
 * Every negotiating reset made plain, one at a time from the first: the plain reset, else the
 * reset without its refusal, else without its withheld features; each kept only if the case
 * still fails alike.
 */
function plainResets(c: Case, stillFails: (c: Case) => boolean): Case {
  let best = c;
  for (let i = 0; i < best.commands.length; i++) {
    const x = best.commands[i];
    if (x.kind !== 'reset' || (!x.refuse && !x.withhold?.length)) continue;
    const { withhold, refuse, ...plain } = x;
    const tries: Command[] = [plain, ...(refuse && withhold?.length ? [{ ...plain, withhold }, { ...plain, refuse }] : [])];
    for (const t of tries) {
      const next = { config: best.config, commands: best.commands.map((y, j) => (j === i ? t : y)) };
      if (stillFails(next)) { best = next; break; }
    }
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
