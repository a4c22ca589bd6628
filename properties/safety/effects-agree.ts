import { isRam, PageState, UNBACKED, type Effect, type ErrorCode, type GuestConfig, type Refusal } from '../../core/virtio/index.ts';
import { fillGpfns, gpfnArray, type GpfnArray } from '../../core/index.ts';
import { forkable, type Violation } from '../property.ts';
import type { VirtioProperty } from '../virtio/property.ts';
import { at, stateOf } from '../words.ts';

/**
 * Effects checked in full against the observation after the step: the gpfn lists of every effect
 * say what the memory now is (an allocated gpfn is used and backed: allocation zero-fills, which
 * populates it, as KVM does on first touch; a freed one is free; a read or write touches a used,
 * backed gpfn), a processed buffer accounts for each of its gpfns once, accepted or refused, and
 * every refused entry carries a code whose reason holds for it (core/virtio/errors.ts; docs/ADAPTERS.md).
 * The device's side of an inflate is checked too: an accepted gpfn is held by the host, a host
 * page the buffer named whole has given its frames back (QEMU virtio_balloon_handle_output
 * discards it; a partial one is kept, as QEMU's balloon_inflate_page does, and its tracking ends
 * with the buffer: "virtio-balloon: free pbp more aggressively", 2019), and with an assigned device no
 * frame is given back at all (QEMU: VFIO disables RAM discard, ram_block_discard_disable, so the
 * balloon inflates without discarding).
 *
 * The monitor keeps, per guest, the gpfns the guest program uses (from pages-allocated and
 * pages-freed) and those the host holds (from accepted entries), so an allocation of a gpfn
 * already in use, or a refusal whose reason does not hold, is judged without trusting the system.
 */
export const effectsAgree: VirtioProperty = {
  name: 'effects-agree',
  kind: 'always',
  doc: 'every effect\'s gpfns agree with the observation, processed buffers account for each gpfn, refusal codes give the true reason, inflated host pages are released (never with an assigned device)',
  refs: 'core/virtio/errors.ts, docs/ADAPTERS.md; VIRTIO 1.x 5.5.6.1; QEMU virtio-balloon.c (discard of whole host pages, none with VFIO)',
  monitor: (config) => {
    const space = (g: GuestConfig) => g.ramPages + g.holePages;
    const hpg = config.hostPageGpfns;
    const state = {
      used: config.guests.map((g) => gpfnArray(Uint8Array, space(g))),
      held: config.guests.map((g) => gpfnArray(Uint8Array, space(g))),
      // Buffers queued and not yet consumed: their gpfns, to judge what the device did with them.
      queued: config.guests.map(() => new Map<number, readonly number[]>()),
      // Per guest, stamps for matching a buffer's gpfns against what the device reports for it.
      stamps: config.guests.map((g) => ({ seen: gpfnArray(Uint32Array, space(g)), tick: 0 })),
    };
    return forkable(state, ({ used, held, queued, stamps }) => ({
      interests: ['frame-released', 'pages-allocated', 'pages-freed', 'wrote', 'read', 'buffer-queued', 'buffer-processed', 'ack-consumed', 'reset'],
      step({ command, result, obs }) {
        for (const e of result.effects) {
          const gc = config.guests[e.guest];
          const g = obs.guests[e.guest];
          if (!gc || !g) continue;
          switch (e.kind) {
            case 'frame-released':
              if (gc.assignedDevice) return { message: `the host released frame ${e.frame} of ${at(e.guest, e.gpfn)}, but guest ${e.guest} has an assigned device: its memory may not be discarded (QEMU disables discard under VFIO)`, guest: e.guest, gpfn: e.gpfn, frame: e.frame };
              break;
            case 'pages-allocated': {
              const u = used[e.guest];
              for (let i = 0; i < e.gpfns.length; i++) {
                const n = e.gpfns[i];
                if (!isRam(gc, n)) return { message: `guest ${e.guest} allocated gpfn ${n}, which is not its RAM`, guest: e.guest, gpfn: n };
                if (u[n]) return { message: `guest ${e.guest} allocated ${at(e.guest, n)}, which it already uses (allocated before and never freed, or named twice)`, guest: e.guest, gpfn: n };
                if (n % gc.guestPageGpfns !== i % gc.guestPageGpfns) return { message: `guest ${e.guest} allocated ${at(e.guest, n)} out of whole ${gc.guestPageGpfns}-gpfn guest pages`, guest: e.guest, gpfn: n };
                u[n] = 1;
                const v = usedAndBacked(obs.guests[e.guest], e.guest, n, 'allocated');
                if (v) return v;
              }
              break;
            }
            case 'pages-freed': {
              const u = used[e.guest];
              for (const n of e.gpfns) {
                if (command.kind === 'free' && !u[n]) return { message: `guest ${e.guest} freed ${at(e.guest, n)}, which it did not use`, guest: e.guest, gpfn: n };
                u[n] = 0;
                // A page freed is free, unless the same step allocated it again (then pages-allocated judged it).
                if (g.pageState[n] !== PageState.Free && !(g.pageState[n] === PageState.Used && allocatedToo(result.effects, e.guest, n))) {
                  return { message: `guest ${e.guest} freed ${at(e.guest, n)}, but it is ${stateOf(obs, e.guest, n)}`, guest: e.guest, gpfn: n };
                }
              }
              break;
            }
            case 'wrote':
            case 'read': {
              const verb = e.kind === 'wrote' ? 'wrote' : 'read';
              if (!isRam(gc, e.gpfn) || !used[e.guest][e.gpfn]) return { message: `guest ${e.guest} ${verb} ${at(e.guest, e.gpfn)}, which it does not use`, guest: e.guest, gpfn: e.gpfn };
              const v = usedAndBacked(g, e.guest, e.gpfn, verb);
              if (v) return v;
              break;
            }
            case 'buffer-queued':
              queued[e.guest].set(e.id, e.gpfns);
              break;
            case 'buffer-processed': {
              const gpfns = queued[e.guest].get(e.id);
              // The stats buffer the driver posts at probe may predate the run's first effects.
              if (!gpfns) {
                if (e.accepted.length + e.refused.length > 0) return { message: `guest ${e.guest}'s device processed buffer ${e.id}, which was never queued, and reported gpfns for it`, guest: e.guest };
                break;
              }
              const v = judgeBuffer(e.queue === 'reporting' ? Infinity : config.maxBatch, gc, e.guest, e.queue, e.id, gpfns, e.accepted, e.refused, held[e.guest], stamps[e.guest]);
              if (v) return v;
              // A report leaves the balloon as it is (a page reused early may still be held).
              if (e.queue !== 'reporting') for (const n of e.accepted) {
                if (g.hostBallooned[n] !== (e.queue === 'inflate' ? 1 : 0)) return { message: `the device accepted ${at(e.guest, n)} on the ${e.queue} queue, but ${e.queue === 'inflate' ? 'does not hold it' : 'still holds it'} in the balloon`, guest: e.guest, gpfn: n };
              }
              if (e.queue === 'inflate' && !gc.assignedDevice) {
                const r = releasedWhole(g, e.guest, e.accepted, hpg);
                if (r) return r;
              }
              break;
            }
            case 'ack-consumed':
              queued[e.guest].delete(e.id);
              if (g.inflight.some((b) => b.id === e.id)) return { message: `guest ${e.guest}'s driver consumed the acknowledgement of buffer ${e.id}, which is still in flight`, guest: e.guest };
              break;
            case 'reset':
              fillGpfns(held[e.guest], 0);
              queued[e.guest].clear();
              break;
          }
        }
        return null;
      },
    }));
  },
};

function usedAndBacked(g: { pageState: GpfnArray; p2m: GpfnArray }, guest: number, n: number, verb: string): Violation | null {
  if (g.pageState[n] !== PageState.Used) return { message: `guest ${guest} ${verb} ${at(guest, n)}, which is ${stateOfState(g.pageState[n])}, not used`, guest, gpfn: n };
  if (g.p2m[n] === UNBACKED) return { message: `guest ${guest} ${verb} ${at(guest, n)}, but no frame backs it`, guest, gpfn: n };
  return null;
}

const stateOfState = (s: number) => (Object.keys(PageState) as (keyof typeof PageState)[]).find((k) => PageState[k] === s)?.toLowerCase() ?? `state ${s}`;

function allocatedToo(effects: readonly Effect[], guest: number, n: number): boolean {
  return effects.some((x) => x.kind === 'pages-allocated' && x.guest === guest && (x.gpfns as readonly number[]).includes(n));
}

/** A gpfn the device reported for a buffer that does not hold it (that often). */
const notHeld = (guest: number, queue: string, id: number, n: number): Violation => ({ message: `guest ${guest}'s device reported gpfn ${n} for ${queue} buffer ${id}, which does not hold it (that often)`, guest, gpfn: n });

/**
 * A processed buffer: each of its gpfns accounted for once (accepted or refused), each refusal's
 * code one whose reason holds, and `held` (the host's balloon by this monitor's count) updated.
 */
function judgeBuffer(
  maxBatch: number, gc: GuestConfig, guest: number, queue: string, id: number, gpfns: readonly number[],
  accepted: readonly number[], refused: readonly Refusal[], held: GpfnArray, stamps: { seen: GpfnArray; tick: number },
): Violation | null {
  if (accepted.length + refused.length !== gpfns.length) {
    return { message: `guest ${guest}'s device processed ${queue} buffer ${id} of ${gpfns.length} gpfns, but accounted for ${accepted.length} accepted and ${refused.length} refused`, guest };
  }
  // Fast path for the common buffer (distinct gpfns in range): stamp each, then each reported
  // gpfn must carry the buffer's stamp and takes it away. Hostile buffers with repeats or
  // gpfns out of range count with a map.
  const tick = ++stamps.tick;
  let simple = true;
  for (const n of gpfns) {
    if (!(n >= 0 && n < stamps.seen.length) || stamps.seen[n] === tick) { simple = false; break; }
    stamps.seen[n] = tick;
  }
  let times: Map<number, number> | null = null;
  if (simple) {
    for (const n of accepted) { if (stamps.seen[n] !== tick) return notHeld(guest, queue, id, n); stamps.seen[n] = 0; }
    for (const r of refused) { if (stamps.seen[r.gpfn] !== tick) return notHeld(guest, queue, id, r.gpfn); stamps.seen[r.gpfn] = 0; }
  } else {
    times = new Map<number, number>();
    for (const n of gpfns) times.set(n, (times.get(n) ?? 0) + 1);
    const left = new Map(times);
    for (const n of [...accepted, ...refused.map((r) => r.gpfn)]) {
      const k = left.get(n) ?? 0;
      if (k === 0) return notHeld(guest, queue, id, n);
      left.set(n, k - 1);
    }
  }
  if (queue === 'stats') return null;
  for (const r of refused) {
    const reasons = refusalReasons(r.gpfn, gc, queue, gpfns.length > maxBatch, (times?.get(r.gpfn) ?? 0) > 1, held);
    if (!reasons.includes(r.code)) {
      return { message: `guest ${guest}'s device refused gpfn ${r.gpfn} of ${queue} buffer ${id} with ${r.code}, which does not apply${reasons.length > 0 ? ` (it could say ${reasons.join(' or ')})` : ': the entry is well formed'}`, guest, gpfn: r.gpfn };
    }
  }
  if (queue === 'reporting') return null; // a report leaves the balloon as it is
  for (const n of accepted) if (n >= 0 && n < held.length) held[n] = queue === 'inflate' ? 1 : 0;
  return null;
}

/** Every code whose reason holds for entry `n` of a buffer (core/virtio/errors.ts). */
function refusalReasons(n: number, gc: GuestConfig, queue: string, oversized: boolean, repeated: boolean, held: GpfnArray): ErrorCode[] {
  const out: ErrorCode[] = [];
  if (oversized) out.push('balloon/oversized-batch');
  const inRange = Number.isInteger(n) && n >= 0 && n < held.length;
  if (!inRange) { out.push('balloon/gpfn-out-of-range'); return out; }
  if (!isRam(gc, n)) out.push('balloon/gpfn-not-ram');
  // A gpfn named twice: the second is a duplicate, or (once the first went through) already
  // ballooned on an inflate and no longer ballooned on a deflate.
  // A free page report is checked for range, RAM and repeats only (a page whose deflate is not
  // served yet may be reported when the driver reused it early, without MUST_TELL_HOST).
  if (queue === 'reporting') { if (repeated) out.push('balloon/gpfn-duplicate'); return out; }
  if (repeated) out.push('balloon/gpfn-duplicate', queue === 'inflate' ? 'balloon/gpfn-already-ballooned' : 'balloon/gpfn-not-ballooned');
  if (queue === 'inflate' && held[n]) out.push('balloon/gpfn-already-ballooned');
  if (queue === 'deflate' && !held[n]) out.push('balloon/gpfn-not-ballooned');
  return out;
}

/** After an inflate: every host page the buffer accepted whole has no backed gpfn left. */
function releasedWhole(g: { hostBallooned: GpfnArray; p2m: GpfnArray }, guest: number, accepted: readonly number[], hpg: number): Violation | null {
  const named = new Set(accepted);
  let last = -1;
  for (const n of accepted) {
    const hp = Math.floor(n / hpg);
    if (hp === last) continue;
    last = hp;
    const base = hp * hpg;
    if (base + hpg > g.hostBallooned.length) continue;
    let whole = true;
    for (let x = base; x < base + hpg && whole; x++) whole = named.has(x);
    if (!whole) continue;
    for (let x = base; x < base + hpg; x++) {
      if (g.p2m[x] !== UNBACKED) return { message: `host page ${hp} of guest ${guest} (gpfns ${base} to ${base + hpg - 1}) is wholly in the balloon, but ${at(guest, x)} still maps frame ${g.p2m[x]}: the host never got it back`, guest, gpfn: x, frame: g.p2m[x] };
    }
  }
  return null;
}
