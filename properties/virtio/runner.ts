/**
 * How the runner drives a virtio-balloon run (properties/family.ts FamilyRunner): the guest's
 * queues before a step, hostile buffers filled in from the moment's observation, the host's
 * target as QEMU clamps it, and the fair drain of driver and device.
 */
import { poisonOn, profileOf, reportingOn, type Command, type GuestConfig, type Observation, type StepResult, type SystemConfig } from '../../core/virtio/index.ts';
import type { FamilyRunner } from '../family.ts';
import { resolveHostile } from '../hostile.ts';
import type { FamilyWorld } from '../property.ts';
import type { GuestSummary } from './property.ts';
import { aimedPick, lastGiven } from '../workload.ts';

/**
 * The command's guest before the step, as plain numbers (observations may be live views). The
 * queue fields cost one pass over the few buffers in flight.
 */
export function summary(obs: Observation, guest: number): GuestSummary {
  const g = obs.guests[guest];
  const unprocessed = { inflate: -1, deflate: -1, stats: -1, reporting: -1 };
  const hostFree = obs.host.freeFrames;
  if (!g) return { free: 0, used: 0, ballooned: 0, inflating: 0, deflating: 0, target: 0, actual: 0, hostFree, ackWaiting: false, ownPending: false, unprocessed };
  let ackWaiting = false;
  let ownPending = false;
  for (const b of g.inflight) {
    if (b.acked) ackWaiting = true;
    else if (unprocessed[b.queue] === -1) unprocessed[b.queue] = b.id;
    // A free page report is not a balloon batch: the driver's balloon work does not wait for it.
    if ((b.queue === 'inflate' || b.queue === 'deflate') && b.origin !== 'hostile') ownPending = true;
  }
  const c = g.counts;
  return {
    free: c.free, used: c.used, ballooned: c.ballooned, inflating: c.inflating, deflating: c.deflating, target: g.target, actual: g.actual,
    hostFree, ackWaiting, ownPending, unprocessed,
  };
}

const pages = (g: GuestConfig) => (g.ramPages + g.holePages) / g.guestPageGpfns;

export const virtioRunner: FamilyRunner<Command, Observation, SystemConfig> = {
  summary,
  // A hostile request's bad buffer is test input, built from this moment's observation.
  // An aimed one (properties/workload.ts AIM_PICK) starts its scan at the gpfn the guest's driver
  // deflated last (givenBack), so a never-inflated deflate names that page or the next one.
  prepare: (c, config, obs, aim) => (c.kind === 'hostile' ? resolveHostile({ ...c, pick: aimedPick(c.pick, aim) }, config, obs) : c),
  // The pages the driver takes out of the balloon: its deflate buffers (Linux leak_balloon), for
  // the target or for an OOM; a hostile buffer gives nothing back.
  givenBack: (r) => lastGiven((r as StepResult).effects, (e) => (e.kind === 'buffer-queued' && e.queue === 'deflate' && e.origin !== 'hostile' ? e.gpfns : null)),
  // Clamped to the guest's RAM as QEMU's virtio_balloon_to_target does; a malformed target is
  // refused (device/bad-target) and sets nothing.
  hostTarget(c, config) {
    if (c.kind !== 'set-target' || !Number.isInteger(c.pages) || c.pages < 0) return null;
    const gc = config.guests[c.guest];
    return gc ? Math.min(c.pages, gc.ramPages) : null;
  },
  retarget: (guest, pages) => ({ kind: 'set-target', guest, pages }),
  // With PAGE_REPORTING the device also serves the reporting queue, so reported pages come back.
  drainRound: (config, guest) => [
    { kind: 'driver', guest },
    { kind: 'device', guest, queue: 'inflate' },
    { kind: 'device', guest, queue: 'deflate' },
    ...(config.guests[guest] && reportingOn(config.guests[guest].features) ? [{ kind: 'device' as const, guest, queue: 'reporting' as const }] : []),
  ],
  // A driver may send as little as one guest page per buffer (VIRTIO sets no minimum), and each
  // buffer takes two rounds (sent and acknowledged, then consumed), so the bound allows two rounds
  // per guest page, twice over (a balloon may have to turn round once).
  drainBound: (config) => 4 * Math.max(...config.guests.map(pages)) + 16,
  // The driver's "nothing to do" (out-of-puff) is not a move.
  moved: (result: StepResult) => result.effects.some((e) => e.kind !== 'out-of-puff'),
};

/**
 * What the shared invariants ask of virtio (properties/property.ts FamilyWorld). A buffer on the
 * inflate, deflate or reporting queue is a request in flight (the stats queue carries none); the host
 * drops frames only while the device serves an inflate (QEMU virtio_balloon_handle_output) or a
 * free page report (virtio_balloon_handle_report); with
 * MUST_TELL_HOST the driver waits for the deflate acknowledgement before reuse (VIRTIO 5.5.6.1).
 */
export const virtioWorld: FamilyWorld = {
  pending(obs, guest) {
    const g = (obs as Observation).guests[guest];
    const b = g?.inflight.find((x) => x.queue !== 'stats');
    if (!b) return null;
    return `${b.queue} buffer ${b.id} of ${b.gpfns.length} gpfns is ${b.acked ? 'acknowledged but never consumed by the driver' : 'never processed by the device'}`;
  },
  // ... or a free page report (VIRTIO 1.2 5.5.6.7.2, statement 64: before its acknowledgement).
  releases: (c) => { const x = c as Command; return x.kind === 'device' && (x.queue === 'inflate' || x.queue === 'reporting'); },
  reuseWaitsForHost: (obs, guest) => (obs as Observation).guests[guest]?.features.mustTellHost ?? true,
  actualMayLead: (config) => profileOf(config as SystemConfig) === 'spec',
  // VIRTIO 1.2 5.5.6.7.2: without PAGE_POISON the device may change a reported page before it
  // acknowledges the report (statement 64; the runner lets frames go only while it serves one);
  // with it, only to poison_val (statement 65), and a dropped page reads back zeroed.
  reportedMayDrop: (obs, guest) => {
    const f = (obs as Observation).guests[guest]?.features;
    return f && poisonOn(f) ? 'PAGE_POISON was negotiated, so the device may change a reported page only to poison_val (VIRTIO 1.2 5.5.6.7.2), and a dropped page comes back zeroed' : null;
  },
};
