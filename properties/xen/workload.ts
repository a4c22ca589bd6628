/**
 * fast-check workloads for the Xen family: a configuration and a list of commands. Every choice
 * is a command: targets, balloon-thread passes (with the hypervisor's grant and a pending
 * preemption), time passing, a backend's loans, guest programs, reboots and hostile requests.
 * Swarm testing as properties/workload.ts: each case enables a subset of the optional kinds.
 */
import fc from 'fast-check';
import { guestId } from '../../core/index.ts';
import {
  xenGuestConfig, xenHostileKinds, xenSystemConfig, type XenCommand, type XenCommandKind, type XenSystemConfig,
} from '../../core/xen/index.ts';

export interface XenCase { config: XenSystemConfig; commands: XenCommand[] }

const OPTIONAL: readonly XenCommandKind[] = ['lend', 'unlend', 'alloc', 'free', 'write', 'read', 'reset', 'hostile'];
const WEIGHT: Record<XenCommandKind, number> = {
  'thread': 8, 'tick': 3, 'set-target': 3, 'lend': 2, 'unlend': 2, 'alloc': 3, 'free': 2, 'write': 2, 'read': 2, 'reset': 1, 'hostile': 2,
};

/**
 * The default system of property runs: a PV guest and an HVM guest with an MMIO hole that starts
 * with populate-on-demand, on a host with a few frames to spare. Small limits (4 retries, 8 s)
 * keep back-off and cancellation within reach of short runs; Linux's are 16 and 32 s.
 */
export function xenCheckConfig(): XenSystemConfig {
  return xenSystemConfig({
    hostFrames: 100, maxRetries: 4, maxDelay: 8,
    guests: [xenGuestConfig({ mode: 'pv' }), xenGuestConfig({ ramPages: 48, holeStart: 32, holePages: 8, podPages: 24 })],
  });
}

/**
 * Now and then (1 in 20) a value the command's contract refuses (core/xen/contracts.ts): a
 * negative target (xen/bad-target), a tick of 0 s or past an hour (xen/bad-tick), an allocation
 * or a loan of 0 pages (guest/oom, xen/balloon-short, xen/nothing-lent). Whole numbers only, as
 * the trace schema (core/xen/schema.ts) admits them.
 */
const orBad = (good: fc.Arbitrary<number>, bad: fc.Arbitrary<number>) =>
  fc.oneof({ weight: 19, arbitrary: good }, { weight: 1, arbitrary: bad });

function commandArb(kind: XenCommandKind, config: XenSystemConfig): fc.Arbitrary<XenCommand> {
  const guest = fc.integer({ min: 0, max: config.guests.length - 1 }).map(guestId);
  const pick = fc.nat(1 << 16);
  const maxRam = Math.max(...config.guests.map((g) => g.ramPages));
  const loan = orBad(fc.integer({ min: 1, max: 4 }), fc.constant(0));
  switch (kind) {
    case 'set-target': return fc.record({ kind: fc.constant('set-target' as const), guest, pages: orBad(fc.integer({ min: 0, max: maxRam }), fc.integer({ min: -3, max: -1 })) });
    case 'thread': return fc.record({
      kind: fc.constant('thread' as const), guest,
      grant: fc.oneof({ weight: 4, arbitrary: fc.constant(undefined) }, { weight: 1, arbitrary: fc.integer({ min: 0, max: 8 }) }),
      preempt: fc.oneof({ weight: 6, arbitrary: fc.constant(undefined) }, { weight: 1, arbitrary: fc.constant(true) }),
    }, { requiredKeys: ['kind', 'guest'] }).map((c) => {
      const out: XenCommand = { kind: 'thread', guest: c.guest };
      if (c.grant !== undefined) out.grant = c.grant;
      if (c.preempt) out.preempt = true;
      return out;
    });
    // Now and then a whole hour passes (the top draw, so every case keeps its commands): balloon_thread
    // sleeps 3600 s in DONE and ECANCELED, and only a long tick lets that timeout expire in a run.
    case 'tick': return fc.record({ kind: fc.constant('tick' as const), guest: fc.constant(guestId(0)), seconds: orBad(fc.integer({ min: 1, max: 40 }).map((s) => (s === 40 ? 3600 : s)), fc.constantFrom(0, 3601)) });
    case 'lend': return fc.record({ kind: fc.constant('lend' as const), guest, pages: loan });
    case 'unlend': return fc.record({ kind: fc.constant('unlend' as const), guest, pages: loan });
    case 'alloc': return fc.record({ kind: fc.constant('alloc' as const), guest, pages: orBad(fc.integer({ min: 1, max: 8 }), fc.constant(0)), pick });
    case 'free': return fc.record({ kind: fc.constant('free' as const), guest, pages: fc.integer({ min: 1, max: 8 }), pick });
    case 'write': return fc.record({ kind: fc.constant('write' as const), guest, pick });
    case 'read': return fc.record({ kind: fc.constant('read' as const), guest, pick });
    case 'reset': return fc.record({ kind: fc.constant('reset' as const), guest });
    case 'hostile': return fc.record({ kind: fc.constant('hostile' as const), guest, request: fc.constantFrom(...xenHostileKinds), pick });
  }
}

/** Commands for `config`, with a swarm subset of the optional kinds. */
export function xenCommandsArb(config: XenSystemConfig, maxCommands = 60): fc.Arbitrary<XenCommand[]> {
  return fc.subarray([...OPTIONAL], { minLength: 0 }).chain((on) => {
    const kinds = (Object.keys(WEIGHT) as XenCommandKind[]).filter((k) => !OPTIONAL.includes(k) || on.includes(k));
    const one = fc.oneof(...kinds.map((k) => ({ weight: WEIGHT[k], arbitrary: commandArb(k, config) })));
    return fc.array(one, { maxLength: maxCommands, size: 'medium' });
  });
}

export function xenCaseArb(config: XenSystemConfig = xenCheckConfig(), maxCommands = 60): fc.Arbitrary<XenCase> {
  return xenCommandsArb(config, maxCommands).map((commands) => ({ config, commands }));
}
