/**
 * fast-check workloads for the Xen family: a configuration and a list of commands. Every choice
 * is a command: targets, balloon-thread passes (with the hypervisor's grant and a pending
 * preemption), time passing, a backend's loans, guest programs, reboots and hostile requests.
 * Swarm testing as properties/workload.ts: each case enables a subset of the optional kinds.
 */
import fc from 'fast-check';
import { withLayouts } from '../layout.ts';
import { gpfnSpace, guestId } from '../../core/index.ts';
import { AIM_PICK, commandListArb, familyLocalityArb, localDraws, reuseBurstArb, type FamilyLocality } from '../workload.ts';
import {
  xenGuestConfig, xenHostileKinds, xenSystemConfig, type XenCommand, type XenCommandKind, type XenGuestConfig, type XenHostileKind, type XenSystemConfig,
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
 * The default system, laid out as a real machine in one case of four (properties/layout.ts):
 * Xen's extents are xen_pfn_t, 64 bits (public/memory.h), so pages may sit up to 2^40.
 */
export function xenConfigArb(): fc.Arbitrary<XenSystemConfig> {
  return withLayouts(fc.constant(xenCheckConfig()), { bits: 64, align: () => 1 });
}

/**
 * Now and then (1 in 20) a value the command's contract refuses (core/xen/contracts.ts): a
 * negative target (xen/bad-target), a tick of 0 s or past an hour (xen/bad-tick), an allocation
 * or a loan of 0 pages (guest/oom, xen/balloon-short, xen/nothing-lent). Whole numbers only, as
 * the trace schema (core/xen/schema.ts) admits them.
 */
const orBad = (good: fc.Arbitrary<number>, bad: fc.Arbitrary<number>) =>
  fc.oneof({ weight: 19, arbitrary: good }, { weight: 1, arbitrary: bad });

/**
 * Locality, a swarm dimension (issue 22; properties/workload.ts says why): a concentrated case
 * draws every pick from a small pool (small slots, which swap-removal refills with the page freed
 * last, and LIFO_PICK, the last slot itself), sends most commands to one domain, allocates and
 * frees a page or two, aims most hostile ops at gpfns the domain holds or gave back, and moves its
 * target often, so a balloon-down, a balloon-up, writes, frees, reboots and hostile ops pile up
 * on the same few gpfns. Null: uniform, as before.
 */
/**
 * The level of a Xen case: each domain's targets are four consecutive sizes from its floor up,
 * chosen by `level`. A balloon-down takes the pages freed last and a balloon-up gives back the
 * pages ballooned last (balloon.c balloon_append, balloon_retrieve), so small swings at one level
 * work the same few gpfns, between the guest's own allocations and frees.
 */
export type XenLocality = FamilyLocality<XenCommandKind>;

// Aimed hostile requests (properties/workload.ts AIM_PICK) in half the concentrated cases.
const xenLocalityArb = familyLocalityArb(OPTIONAL, { guest: fc.nat({ max: 1 }), level: fc.nat(), aims: true });

/** Hostile ops that name gpfns the domain has (all but another domain's and the hole): two in three of a concentrated case's. */
const LOCAL_HOSTILE = xenHostileKinds.filter((k) => k !== 'foreign' && k !== 'hole');

/** The lowest target of a domain's swings at `level`: four consecutive sizes from there up (to its memory at most). */
const levelLow = (d: XenGuestConfig, level: number): number => d.floorPages + (level % Math.max(1, d.ramPages - d.floorPages - 3));

function commandArb(kind: XenCommandKind, config: XenSystemConfig, local: XenLocality | null = null): fc.Arbitrary<XenCommand> {
  // A hostile op's pick is a gpfn where its scan starts (properties/xen/hostile.ts): a concentrated
  // case also aims at the top of the hot domain's memory, where a balloon-down takes its first pages.
  const top = local ? gpfnSpace(config.guests[local.guest % config.guests.length]) - 1 : 0;
  const { guest, pick, hostilePick, few } = localDraws(config.guests.length, local, { few: 8, hostile: [Math.max(0, top - 3), top] });
  const maxRam = Math.max(...config.guests.map((g) => g.ramPages));
  const loan = orBad(fc.integer({ min: 1, max: 4 }), fc.constant(0));
  switch (kind) {
    case 'set-target': {
      if (!local) return fc.record({ kind: fc.constant('set-target' as const), guest, pages: orBad(fc.integer({ min: 0, max: maxRam }), fc.integer({ min: -3, max: -1 })) });
      // The target of the command's own domain, near its level (the guest is drawn first).
      return guest.chain((g) => {
        const d = config.guests[g];
        const lo = levelLow(d, local.level);
        // ... and one in six anywhere up to the biggest memory, as other families' swings (properties/workload.ts swingArb):
        // the balloon still now and then goes below the floor or rises past what it holds.
        const near = fc.integer({ min: lo, max: Math.min(d.ramPages, lo + 3) });
        const pages = fc.oneof({ weight: 5, arbitrary: near }, { weight: 1, arbitrary: fc.integer({ min: 0, max: maxRam }) });
        return fc.record({ kind: fc.constant('set-target' as const), guest: fc.constant(g), pages: orBad(pages, fc.integer({ min: -3, max: -1 })) });
      });
    }
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
    // Now and then a concentrated case allocates half its memory at once: a PoD domain that
    // touches more pages than its cache before the balloon driver has ballooned it down is the
    // crash p2m_pod_demand_populate guards against (xen/pod-cache-empty).
    case 'alloc': return fc.record({
      kind: fc.constant('alloc' as const), guest,
      pages: orBad(local ? fc.oneof({ weight: 4, arbitrary: fc.integer({ min: 1, max: few }) }, { weight: 1, arbitrary: fc.integer({ min: 1, max: Math.ceil(maxRam / 2) }) }) : fc.integer({ min: 1, max: few }), fc.constant(0)),
      pick,
    });
    case 'free': return fc.record({ kind: fc.constant('free' as const), guest, pages: fc.integer({ min: 1, max: few }), pick });
    case 'write': return fc.record({ kind: fc.constant('write' as const), guest, pick });
    case 'read': return fc.record({ kind: fc.constant('read' as const), guest, pick });
    case 'reset': return fc.record({ kind: fc.constant('reset' as const), guest });
    case 'hostile': return fc.record({
      kind: fc.constant('hostile' as const), guest,
      request: local ? fc.oneof({ weight: 2, arbitrary: fc.constantFrom(...LOCAL_HOSTILE) }, { weight: 1, arbitrary: fc.constantFrom(...xenHostileKinds) }) : fc.constantFrom(...xenHostileKinds),
      pick: hostilePick,
    });
  }
}

/** Commands for `config`, with a swarm subset of the optional kinds. */
export function xenCommandsArb(config: XenSystemConfig, maxCommands = 60): fc.Arbitrary<XenCommand[]> {
  return fc.record({ on: fc.subarray([...OPTIONAL], { minLength: 0 }), local: xenLocalityArb }).chain(({ on, local }) => {
    // A concentrated case always allocates (else it has nothing to write or free) and sends hostile requests (its bursts work the
    // page given back last, where a bad request hurts most), and runs its extra kinds too.
    const enabled = local ? [...on, 'alloc', 'hostile', ...local.kinds] : on;
    const kinds = (Object.keys(WEIGHT) as XenCommandKind[]).filter((k) => !OPTIONAL.includes(k) || enabled.includes(k));
    // ... and moves its target twice as often, so the balloon goes down and up over the same gpfns.
    const one = fc.oneof(...kinds.map((k) => ({ weight: local && k === 'set-target' ? 2 * WEIGHT[k] : WEIGHT[k], arbitrary: commandArb(k, config, local) })));
    if (!local) return commandListArb(one, null, maxCommands);
    // ... and now and then reuses the page given back last at once (reuseBurstArb), with a hostile request among it: in half the
    // concentrated cases (a swarm choice) a plain burst, its hostile request drawn as the case's others, unled and without a reboot.
    const plain = reuseBurstArb<XenCommand>(guestId(local.guest % config.guests.length), commandArb('hostile', config, local)) as fc.Arbitrary<XenCommand[]>;
    return fc.boolean().chain((p) => commandListArb(one, p ? plain : xenBurstArb(config, local, kinds), maxCommands));
  });
}

/**
 * A reuse burst of the hot domain (reuseBurstArb), half of them led by a balloon-up: the target
 * to the top of the domain's swings at its level and a pass of the balloon thread, which gives
 * back the pages ballooned last (balloon.c balloon_retrieve), so the burst's allocation at
 * LIFO_PICK takes a page just given back and its writes, frees and aimed hostile requests work it.
 */
function xenBurstArb(config: XenSystemConfig, local: XenLocality, kinds: readonly XenCommandKind[]): fc.Arbitrary<XenCommand[]> {
  const guest = guestId(local.guest % config.guests.length);
  const d = config.guests[guest];
  const lead: XenCommand[] = [{ kind: 'set-target', guest, pages: Math.min(d.ramPages, levelLow(d, local.level) + 3) }, { kind: 'thread', guest }];
  // Among the burst's writes and frees a hostile request and, when the swarm enables them, a
  // reboot. The request is aimed at the page the burst reuses, and two in three are of the kinds
  // that name a page the guest uses (populate-backed, misaligned: hostile.ts).
  const hostile = fc.oneof({ weight: 2, arbitrary: fc.constantFrom<XenHostileKind>('populate-backed', 'misaligned') }, { weight: 1, arbitrary: fc.constantFrom(...xenHostileKinds) })
    .map((request): XenCommand => ({ kind: 'hostile', guest, request, pick: AIM_PICK }));
  const reboot = kinds.includes('reset') ? fc.constant<XenCommand[]>([{ kind: 'reset', guest }]) : null;
  return reuseBurstArb<XenCommand>(guest, kinds.includes('hostile') ? hostile : null, lead, reboot) as fc.Arbitrary<XenCommand[]>;
}

export function xenCaseArb(config: XenSystemConfig = xenCheckConfig(), maxCommands = 60): fc.Arbitrary<XenCase> {
  return xenCommandsArb(config, maxCommands).map((commands) => ({ config, commands }));
}
