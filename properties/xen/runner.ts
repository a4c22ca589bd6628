/**
 * Runs one Xen case: a configuration and a list of commands, on one implementation, under a list
 * of properties; then the fair drain and the liveness checks. Never throws: whatever goes wrong
 * inside is a failure at the step it happened in (as properties/runner.ts).
 */
import { describeThrown, guestId } from '../../core/index.ts';
import type { XenCommand, XenObservation, XenStepResult, XenSystemConfig } from '../../core/xen/index.ts';
import { resolveXenHostile } from './hostile.ts';
import type { XenBefore, XenMonitor, XenProperty, XenViolation } from './property.ts';

export interface XenSystemLike {
  apply(command: XenCommand): XenStepResult;
  observe(): XenObservation;
}
export type XenFactory = (config: XenSystemConfig) => XenSystemLike;

export interface XenFailure { property: string; step: number; phase: 'step' | 'audit' | 'end'; violation: XenViolation; command?: XenCommand }
export interface XenCaseResult { failure: XenFailure | null; steps: number; drained: XenCommand[] }

/** At most this many drain rounds: enough for every retry of every guest, and each hour-long sleep. */
export const drainBound = (config: XenSystemConfig): number => 8 * config.maxRetries + 64;

/** Frames a populate could take now: free host frames less the PoD caches' claims. */
export const availableFrames = (obs: XenObservation): number =>
  obs.host.freeFrames - obs.guests.reduce((s, g) => s + g.xen.podCache, 0);

function summary(obs: XenObservation, guest: number): XenBefore {
  const g = obs.guests[guest];
  if (!g) return { current: NaN, target: NaN, used: NaN, free: NaN, ballooned: NaN, balloonLow: NaN, lent: NaN, podEntries: NaN, podCache: NaN, hostFree: obs.host.freeFrames, now: obs.xen.now };
  const x = g.xen;
  return {
    current: g.actual, target: g.target, used: g.counts.used, free: g.counts.free, ballooned: g.counts.ballooned,
    balloonLow: x.balloonLow, lent: x.lent, podEntries: x.podEntries, podCache: x.podCache, hostFree: obs.host.freeFrames, now: obs.xen.now,
  };
}

export function runXenCase(factory: XenFactory, config: XenSystemConfig, commands: readonly XenCommand[], properties: readonly XenProperty[]): XenCaseResult {
  let index = 0;
  const drained: XenCommand[] = [];
  try {
    const sys = factory(config);
    const monitors: [string, XenMonitor][] = properties.map((p) => [p.name, p.monitor(config)]);
    const targets = config.guests.map((g) => (g.podPages > 0 ? g.podPages : g.ramPages));
    let last: XenStepResult | null = null;
    const step = (raw: XenCommand, draining: boolean): XenFailure | null => {
      const pre = sys.observe();
      const command = raw.kind === 'hostile' ? resolveXenHostile(raw, config, pre) : raw;
      const before = summary(pre, command.guest);
      const result = sys.apply(command);
      last = result;
      const obs = sys.observe();
      const i = index++;
      if (command.kind === 'set-target' && result.outcome === 'accepted' && config.guests[command.guest]) {
        targets[command.guest] = Math.min(command.pages, config.guests[command.guest].ramPages);
      }
      // Every step check before any audit: the rule about this step names the failure first.
      for (const [name, m] of monitors) {
        const v = m.step?.({ index: i, command, result, obs, before, draining });
        if (v) return { property: name, step: i, phase: 'step', violation: v, command };
      }
      for (const [name, m] of monitors) {
        const a = m.audit?.(obs);
        if (a) return { property: name, step: i, phase: 'audit', violation: a, command };
      }
      return null;
    };
    for (const c of commands) { const f = step(c, false); if (f) return { failure: f, steps: index, drained }; }

    // The fair drain: the toolstack re-asserts each target, then each thread gets the CPU in turn
    // (the hypervisor granting all it can, no preemption); when none is due, time moves to the
    // next wake-up. It ends when no thread can do more (DONE with no credit, or cancelled with
    // nothing the host could give it), or at the bound.
    const run = (c: XenCommand) => { drained.push(c); return step(c, true); };
    for (let i = 0; i < config.guests.length; i++) {
      const f = run({ kind: 'set-target', guest: guestId(i), pages: targets[i] });
      if (f) return { failure: f, steps: index, drained };
    }
    const bound = drainBound(config);
    let rounds = 0;
    let quiescent = false;
    for (; rounds < bound; rounds++) {
      let ran = false;
      for (let i = 0; i < config.guests.length; i++) {
        const f = run({ kind: 'thread', guest: guestId(i) });
        if (f) return { failure: f, steps: index, drained };
        ran ||= (last as XenStepResult | null)?.effects.some((e) => e.kind === 'balloon-pass' && e.ran) ?? false;
      }
      const obs = sys.observe();
      // At rest only after a round in which no thread ran: a thread that spins shows itself.
      if (!ran && settled(obs)) { quiescent = true; break; }
      if (!ran) {
        const wait = Math.min(...obs.guests.map((g) => g.xen.thread.wakeAt)) - obs.xen.now;
        const f = run({ kind: 'tick', guest: guestId(0), seconds: Math.min(3600, Math.max(1, wait)) });
        if (f) return { failure: f, steps: index, drained };
      }
    }
    const obs = sys.observe();
    for (const [name, m] of monitors) {
      const v = m.end?.({ obs, config, quiescent, drainRounds: rounds, targets, available: availableFrames(obs) });
      if (v) return { failure: { property: name, step: -1, phase: 'end', violation: v }, steps: index, drained };
    }
    return { failure: null, steps: index, drained };
  } catch (e) {
    return { failure: { property: 'no-crash', step: index - 1, phase: 'step', violation: { message: `the checker threw at step ${index - 1}: ${describeThrown(e)}` } }, steps: index, drained };
  }
}

/** No thread can do more: none hangs in a hypercall, and each is DONE with no credit or cancelled with nothing to gain. */
function settled(obs: XenObservation): boolean {
  const avail = availableFrames(obs);
  return obs.guests.every((g) => {
    const t = g.xen.thread;
    const credit = g.target - g.actual;
    if (t.inHypercall) return false;
    if (t.state === 'done') return credit === 0;
    if (t.state !== 'ecanceled') return false;
    return credit <= 0 || avail === 0 || g.xen.balloonLow === 0;
  });
}
