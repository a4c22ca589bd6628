/**
 * Free page hinting in the virtio workload (properties/workload.ts caseArb): one case in two
 * negotiates FREE_PAGE_HINT on some of its guests and gets hinting steps (`hint` commands, the
 * hinting harness's own command arbitrary, properties/virtio/hinting/run.ts) put among its
 * balloon commands. Drawn after the case's commands and configuration (only the resets'
 * negotiation comes later: properties/workload.ts negotiationArb), so a case without hinting keeps
 * the commands and configuration it drew before hinting joined the family.
 */
import fc from 'fast-check';
import { guestId, hintingOn, type Command, type SystemConfig } from '../../../core/virtio/index.ts';
import { hintCommandArb } from './run.ts';

interface HintedCase { config: SystemConfig; commands: Command[] }

/**
 * Most hinting steps a case gets: a round takes about eight (request, open, serve, hint, serve,
 * DONE, give back), and the hinting harness finds its faults within 60 steps (bench/HINTING.md).
 */
const MAX_HINT_STEPS = 60;

/**
 * The case with hinting: unchanged one time in two; else FREE_PAGE_HINT on the guests of a
 * non-empty mask (guest i for bit i) and up to MAX_HINT_STEPS `hint` commands at drawn places,
 * nine in ten to a hinting guest, one in ten to any guest (a guest without the feature must
 * refuse it). `fixed`: the configuration was given, so it keeps its features and only a guest
 * that already negotiated the feature hints. The case never grows past `maxCommands`: the
 * hinting steps past the room its balloon commands leave are dropped, and a case whose balloon
 * commands fill it has the feature and no step. One case in two (it was one in four, when the
 * steps pushed balloon commands out instead): a hinted case loses no balloon command, and the
 * hinting faults, which need a round of about eight steps, keep their median runs to detection
 * (bench/ZOO.md).
 */
export function hintingArb(c: HintedCase, maxCommands: number, fixed: boolean): fc.Arbitrary<HintedCase> {
  const room = Math.min(MAX_HINT_STEPS, maxCommands);
  const n = c.config.guests.length;
  const already = c.config.guests.some((g) => hintingOn(g.features));
  if (room <= 0 || (fixed && !already)) return fc.constant(c);
  const on = fc.record({
    mask: fixed ? fc.constant(0) : fc.integer({ min: 1, max: (1 << Math.min(n, 3)) - 1 }),
    steps: fc.array(fc.tuple(fc.nat({ max: c.commands.length }), fc.nat({ max: 9 }), fc.nat({ max: n - 1 }), hintCommandArb), { minLength: 1, maxLength: room, size: 'max' }),
  });
  const drawn = fixed ? on : fc.oneof(fc.constant(null), on);
  return drawn.map((h) => {
    if (!h) return c;
    const config = fixed ? c.config : { ...c.config, guests: c.config.guests.map((g, i) => (((h.mask >> i) & 1) === 1 ? { ...g, features: { ...g.features, freePageHint: true } } : g)) };
    const hinting = config.guests.flatMap((g, i) => (hintingOn(g.features) ? [i] : []));
    // The hinting steps take the room the balloon's commands leave (the case stays within
    // maxCommands): the steps past it are dropped, never a balloon command, so a hinted case keeps
    // every balloon command it drew (issue 22: dropping them moved balloon faults' median runs to
    // detection up). Steps drawn past the end go at the end. Stable: steps at one place keep their
    // drawn order, before the balloon command there.
    const steps = h.steps.slice(0, Math.max(0, maxCommands - c.commands.length));
    const kept = c.commands;
    const at = new Map<number, Command[]>();
    for (const [pos, aim, any, op] of steps) {
      const guest = guestId(aim === 0 ? any : hinting[any % hinting.length]);
      const p = Math.min(pos, kept.length);
      at.set(p, [...(at.get(p) ?? []), { kind: 'hint', guest, op }]);
    }
    const commands: Command[] = [];
    for (let i = 0; i <= kept.length; i++) {
      commands.push(...(at.get(i) ?? []));
      if (i < kept.length) commands.push(kept[i]);
    }
    return { config, commands };
  });
}
