/**
 * Exhaustive exploration of the virtio-balloon chart for small configurations, with xstate/graph
 * (`getShortestPaths` over the chart's pure transition). Always bounded: states are serialized
 * abstractly (chart state plus counts and in-flight buffers, buffer ids dropped, so a run that
 * re-numbers buffers lands on the same state) and the traversal has a `limit`.
 *
 * The chart allows more than one implementation; the explorer resolves its freedom the way the
 * reference (and Linux) driver does: full batches, oldest acknowledgement first, one guest page
 * per allocation or free, one kind of hostile buffer (out-of-range). So every state it finds is
 * one an implementation of that design must be able to reach. `pathToCommands` turns the
 * shortest path to a state into commands, and `statesOnImplementation` runs them on an
 * implementation with the chart alongside and returns the abstract states the chart passed
 * through (or the first event it refused); test/properties/explore.test.ts checks that the
 * reference implementation reaches every state found, and pins how many there are.
 *
 * Guests are independent in the chart (host frames are the invariant checkers' business), so
 * the abstract states of a system are the product of its guests' states.
 */
import { createActor, type SnapshotFrom } from 'xstate';
import { getShortestPaths } from 'xstate/graph';
import {
  POISON_VAL, poisonOn, profileOf,
  guestId, type Command, type GuestConfig, type SystemConfig, type SystemFactory,
} from '../core/virtio/index.ts';
import { formatStateValue } from '../model/state-name.ts';
import {
  guestMachine, modelInput, OOM_DEFLATE_GPFNS, stepEvents, wanted,
  type GuestEvent, type GuestModelContext, type GuestModelInput,
} from '../model/virtio/index.ts';
import { resolveHostile } from './hostile.ts';

type Snap = SnapshotFrom<typeof guestMachine>;

/** The abstract state: chart state, counts and buffers, without ids or constants. */
export function serializeGuestState(s: Snap): string {
  const c = s.context;
  const bufs = c.inflight.map((b) => `${b.queue[0]}${b.origin[0]}${b.size}${b.acked ? '+' : ''}`).join(',');
  return `${formatStateValue(s.value)}|t${c.target} a${c.actual} w${c.wantsWork ? 1 : 0} f${c.free} u${c.used} i${c.inflating} b${c.ballooned} d${c.deflating} h${c.hostBalloon} r${c.reusable}|${bufs}`;
}

const HOSTILE_SIZE = 3; // `hostile out-of-range` names three gpfns outside the guest's gpfn space (properties/hostile.ts)

/** The events the explorer tries in a state (see the header: the reference driver's choices). */
export function explorerEvents(s: Snap, targets?: readonly number[]): GuestEvent[] {
  const c = s.context;
  const v = s.value as { driver: string; oom: string; device: { statsq: string } };
  const nextId = c.lastId + 1;
  // Transient states: the rest of the command that is under way, nothing else.
  if (v.driver === 'updatingActual') return c.reusable > 0 ? [{ type: 'PAGES_REUSED', size: c.reusable }] : [{ type: 'ACTUAL_WRITTEN', actual: c.ballooned + c.deflating }];
  if (v.driver === 'resetting') return [{ type: 'ACTUAL_WRITTEN', actual: 0 }];
  // The reload after a reset (model/virtio/lifecycle.ts), in the reference's order.
  const life = (s.value as { lifecycle: string }).lifecycle;
  if (life === 'reset') return [{ type: 'FEATURES_OK' }];
  if (life === 'featuresOk' && poisonOn(c.cfg.features) && !c.life.poisonWritten) return [{ type: 'POISON_WRITTEN', value: POISON_VAL }];
  if (v.device.statsq === 'empty') return [{ type: 'BUFFER_QUEUED', queue: 'stats', id: nextId, origin: 'driver', size: 0 }];
  if (life === 'featuresOk') return [{ type: 'DRIVER_OK' }];
  if (v.oom === 'notified') {
    const n = Math.floor(Math.min(OOM_DEFLATE_GPFNS, c.ballooned) / c.cfg.gpp) * c.cfg.gpp;
    return [{ type: 'BUFFER_QUEUED', queue: 'deflate', id: nextId, origin: 'oom', size: n }];
  }
  const hostile = c.inflight.find((b) => b.origin === 'hostile');
  if (hostile) return hostile.acked ? [{ type: 'ACK_CONSUMED', queue: hostile.queue, id: hostile.id }]
    : [{ type: 'BUFFER_PROCESSED', queue: hostile.queue, id: hostile.id, accepted: 0, refused: hostile.size }];

  const out: GuestEvent[] = [];
  for (const t of targets ?? Array.from({ length: c.cfg.ramPages + 1 }, (_, i) => i)) out.push({ type: 'TARGET_SET', requested: t, target: Math.min(t, c.cfg.ramPages) });
  out.push(driverStep(c, nextId));
  for (const queue of ['inflate', 'deflate', 'stats'] as const) {
    const b = c.inflight.find((x) => x.queue === queue && !x.acked);
    if (b) out.push({ type: 'BUFFER_PROCESSED', queue, id: b.id, accepted: b.size, refused: 0 });
  }
  out.push(c.free >= c.cfg.gpp ? { type: 'PAGES_ALLOCATED', size: c.cfg.gpp } : { type: 'ALLOC_FAILED', pages: 1 });
  if (c.used >= c.cfg.gpp) out.push({ type: 'PAGES_FREED', size: c.cfg.gpp });
  out.push({ type: 'RESET' });
  out.push({ type: 'BUFFER_QUEUED', queue: 'inflate', id: nextId, origin: 'hostile', size: HOSTILE_SIZE });
  return out;
}

/** What the reference driver does in one step (impl/virtio/driver.ts `step`), as the chart's event. */
function driverStep(c: GuestModelContext, nextId: number): GuestEvent {
  const ack = c.inflight.find((b) => b.acked);
  if (ack) return { type: 'ACK_CONSUMED', queue: ack.queue, id: ack.id };
  const own = c.inflight.some((b) => b.origin !== 'hostile' && b.queue !== 'stats');
  if (own || !c.wantsWork) return { type: 'DRIVER_IDLE' };
  const gpp = c.cfg.gpp;
  const batch = Math.floor(c.cfg.maxBatch / gpp) * gpp;
  const want = wanted(c);
  if (want > c.ballooned) {
    const n = Math.min(want - c.ballooned, batch, Math.floor(c.free / gpp) * gpp);
    return n > 0 ? { type: 'BUFFER_QUEUED', queue: 'inflate', id: nextId, origin: 'driver', size: n } : { type: 'OUT_OF_PUFF' };
  }
  if (want < c.ballooned) return { type: 'BUFFER_QUEUED', queue: 'deflate', id: nextId, origin: 'driver', size: Math.min(c.ballooned - want, batch) };
  return { type: 'DRIVER_IDLE' };
}

export interface GuestExploration {
  input: GuestModelInput;
  /** Serialized abstract state to the shortest event path that reaches it. */
  paths: Map<string, GuestEvent[]>;
}

export interface ExploreOptions {
  /** Traversal bound (xstate/graph `limit`): exploration throws past it instead of running out of memory. */
  limit?: number;
  /** Targets the host may set; default every value from 0 to ramPages. */
  targets?: readonly number[];
}

/** Every abstract state of one guest's chart, with a shortest path to each. Throws past `limit`. */
export function exploreGuest(input: GuestModelInput, o: ExploreOptions = {}): GuestExploration {
  const found = getShortestPaths(guestMachine, {
    input, limit: o.limit ?? 500_000,
    events: (s) => explorerEvents(s as Snap, o.targets),
    serializeState: (s) => serializeGuestState(s as Snap),
    serializeEvent: (e) => JSON.stringify(e),
  });
  const paths = new Map<string, GuestEvent[]>();
  for (const p of found) paths.set(serializeGuestState(p.state as Snap), p.steps.map((s) => s.event as GuestEvent).filter((e) => (e.type as string) !== 'xstate.init'));
  return { input, paths };
}

export interface SystemExploration {
  config: SystemConfig;
  guests: GuestExploration[];
  /** Distinct abstract states of the whole system: the product over guests. */
  states: number;
}

export function exploreSystem(config: SystemConfig, o: ExploreOptions = {}): SystemExploration {
  const guests = config.guests.map((g) => exploreGuest(modelInput(g, config.maxBatch, profileOf(config)), o));
  return { config, guests, states: guests.reduce((n, g) => n * g.paths.size, 1) };
}

/**
 * The commands that make guest `g` of an implementation take an event path: one command per
 * event that starts a command; the events that finish it (actual written, stats re-posted, the
 * OOM deflate, a hostile buffer served and dropped) come from the same command.
 */
export function pathToCommands(path: readonly GuestEvent[], g: number): Command[] {
  const guest = guestId(g);
  const out: Command[] = [];
  for (const e of path) {
    switch (e.type) {
      case 'TARGET_SET': out.push({ kind: 'set-target', guest, pages: e.requested }); break;
      case 'DRIVER_IDLE': case 'OUT_OF_PUFF': out.push({ kind: 'driver', guest }); break;
      case 'ACK_CONSUMED': if (e.queue === 'stats' || (path.some((x) => x.type === 'BUFFER_QUEUED' && x.id === e.id && x.origin !== 'hostile'))) out.push({ kind: 'driver', guest }); break;
      case 'BUFFER_QUEUED':
        if (e.origin === 'hostile') out.push({ kind: 'hostile', guest, request: 'out-of-range', pick: 0 });
        else if (e.origin === 'driver' && e.queue !== 'stats') out.push({ kind: 'driver', guest });
        break;
      case 'BUFFER_PROCESSED': if (e.refused === 0 || e.queue === 'stats') out.push({ kind: 'device', guest, queue: e.queue }); break;
      case 'PAGES_ALLOCATED': case 'ALLOC_FAILED': out.push({ kind: 'alloc', guest, pages: 1, pick: 0 }); break;
      case 'PAGES_FREED': out.push({ kind: 'free', guest, pages: 1, pick: 0 }); break;
      case 'RESET': out.push({ kind: 'reset', guest }); break;
      default: break;
    }
  }
  return out;
}

/** The abstract states guest `g`'s chart passes through while the implementation runs `commands`; null on a divergence. */
export function statesOnImplementation(factory: SystemFactory, config: SystemConfig, g: number, commands: readonly Command[]): { visited: Set<string>; divergence: string | null } {
  const sys = factory(config);
  const actor = createActor(guestMachine, { input: modelInput(config.guests[g], config.maxBatch, profileOf(config)) }).start();
  const visited = new Set([serializeGuestState(actor.getSnapshot())]);
  for (const c of commands) {
    // A hostile request's buffer is built from the moment's observation, as the runner does.
    const applied = c.kind === 'hostile' ? resolveHostile(c, config, sys.observe()) : c;
    for (const e of stepEvents(applied, sys.apply(applied))) {
      const before = actor.getSnapshot();
      actor.send(e);
      const after = actor.getSnapshot();
      if (after === before && guestMachine.getTransitionData(before as never, e).length === 0) {
        return { visited, divergence: `${e.type} refused in [${formatStateValue(before.value)}]` };
      }
      visited.add(serializeGuestState(after));
    }
  }
  actor.stop();
  return { visited, divergence: null };
}

/** A small system for exploration: guests as given, host frames for all their RAM and holes plus 8 (2 reserved), batch `maxBatch`. */
export function smallSystem(guests: GuestConfig[], maxBatch: number): SystemConfig {
  const ram = guests.reduce((n, g) => n + g.ramPages + g.holePages, 0);
  return { family: 'virtio', hostFrames: ram + 8, reservedFrames: 2, hostPageGpfns: 1, maxBatch, guests };
}
