/**
 * Xen (a Linux guest's drivers/xen/balloon.c over xen/common/memory.c) as one family value: its
 * vocabulary (core/xen), reference (impl/xen), statecharts (model/xen), workload, hostile memory
 * ops, zoo and properties. docs/families/xen.md says what each part encodes and simplifies.
 */
import fc from 'fast-check';
import type { WorldObservation } from '../../core/index.ts';
import {
  formatXenCommand, XEN_HOSTILE_REQUESTS, xenCommandKinds, xenConfigProblems, xenInitialPages,
  type XenCommand, type XenObservation, type XenStepResult, type XenSystemConfig,
} from '../../core/xen/index.ts';
import { createXenReference, XEN_FAULTS, xenReferenceWithFaults, type XenFaultName } from '../../impl/xen/index.ts';
import { xenCharts } from '../../model/xen/index.ts';
import type { Family, FamilyRunner } from '../family.ts';
import type { EndContext, FamilyWorld, AnyProperty as Property, PropertyMonitor, StepContext, WorldSummary } from '../property.ts';
import { XenCommandSchema, XenConfigSchema } from '../../core/xen/schema.ts';
import { xenObservationProblems, xenStepResultProblems } from '../../core/xen/shape.ts';
import { noDoubleMapping } from '../safety/no-double-mapping.ts';
import { dataOracle } from '../safety/data-oracle.ts';
import { isolation } from '../safety/isolation.ts';
import { resolveXenHostile } from './hostile.ts';
import { aimedPick, lastGiven } from '../workload.ts';
import { XEN_PROPERTIES, XEN_CONFORMANCE } from './list.ts';
import type { XenBefore, XenMonitor, XenProperty } from './property.ts';
import { availableFrames } from './available.ts';
import { xenConformanceProperty } from './conformance.ts';
import { xenCaseArb, xenCheckConfig, xenConfigArb } from './workload.ts';
import { xenReach } from './reach.ts';
import { xenExplorer } from './explorer.ts';

/** The command's guest before a step: the world's summary, and Xen's counters beside it. */
export function xenSummary(obs: XenObservation, guest: number): WorldSummary & XenBefore {
  const g = obs.guests[guest];
  const hostFree = obs.host.freeFrames;
  const available = availableFrames(obs);
  if (!g) return { free: 0, used: 0, ballooned: 0, inflating: 0, deflating: 0, target: 0, actual: 0, hostFree, current: 0, balloonLow: 0, lent: 0, podEntries: 0, podCache: 0, now: obs.xen.now, available, mapped: 0 };
  const c = g.counts;
  const x = g.xen;
  return {
    free: c.free, used: c.used, ballooned: c.ballooned, inflating: c.inflating, deflating: c.deflating, target: g.target, actual: g.actual,
    hostFree, current: g.actual, balloonLow: x.balloonLow, lent: x.lent, podEntries: x.podEntries, podCache: x.podCache, now: obs.xen.now,
    // The guest's mapped frames: what Xen holds for it less its PoD entries.
    available, mapped: g.actual - x.podEntries,
  };
}

export const xenRunner: FamilyRunner<XenCommand, XenObservation, XenSystemConfig> = {
  summary: xenSummary,
  // An aimed hostile request scans from the gpfn given back last (xenHostileRequest's scan starts at `pick`).
  prepare: (c, config, obs, aim) => (c.kind === 'hostile' ? resolveXenHostile({ ...c, pick: aimedPick(c.pick, aim) }, config, obs) : c),
  // Pages out of the balloon: the extents an XENMEM_populate_physmap of the driver's did (increase_reservation).
  givenBack: (r) => lastGiven((r as XenStepResult).effects, (e) => (e.kind === 'hypercall' && e.origin === 'driver' && e.op !== 'decrease' ? e.gpfns.slice(0, e.done) : null)),
  // xl refuses a target above maxmem; the driver holds it clamped to RAM; a malformed one is refused.
  hostTarget(c, config) {
    if (c.kind !== 'set-target' || !Number.isInteger(c.pages) || c.pages < 0) return null;
    const g = config.guests[c.guest];
    return g ? Math.min(c.pages, g.ramPages) : null;
  },
  // The toolstack builds the domain with its memory as the target (xl: memory=, PoD: below maxmem).
  initialTarget: (config, guest) => xenInitialPages(config.guests[guest]),
  retarget: (guest, pages) => ({ kind: 'set-target', guest, pages }),
  // Time passes by the longest back-off, then the thread gets the CPU, the hypervisor granting all
  // it can: a thread in EAGAIN is due every round, one at rest (DONE, ECANCELED) sleeps its hour.
  drainRound: (config, guest) => [{ kind: 'tick', guest, seconds: config.maxDelay }, { kind: 'thread', guest }],
  // One pass a round when it moves; each retry of a back-off takes a round; twice over for a
  // balloon that turns round once.
  drainBound: (config) => 4 * config.maxRetries + 16,
  // Only a pass that ran moves; time passing is not a move.
  moved: (r) => (r as XenStepResult).effects.some((e) => e.kind === 'balloon-pass' && e.ran),
};

/** A Xen property as the shared machinery holds it (the seam's Property is still typed on virtio's vocabulary). */
export function asSharedProperty(p: XenProperty): Property {
  return {
    name: p.name, kind: p.kind, doc: p.doc, refs: p.refs,
    monitor(config) {
      const cfg = config as unknown as XenSystemConfig;
      // The shared view of a Xen monitor; its fork is the view of the monitor's own fork.
      const view = (m: XenMonitor): PropertyMonitor => ({
        ...(m.step ? { step: (ctx: StepContext) => m.step!(ctx as never) } : {}),
        ...(m.audit ? { audit: (obs: WorldObservation) => m.audit!(obs as unknown as XenObservation) } : {}),
        ...(m.end ? {
          end: (ctx: EndContext) => {
            const obs = ctx.obs as unknown as XenObservation;
            return m.end!({ obs, config: cfg, quiescent: ctx.quiescent, drainRounds: ctx.drainRounds, targets: ctx.targets, available: availableFrames(obs) });
          },
        } : {}),
        ...(m.fork ? { fork: () => view(m.fork!()) } : {}),
      });
      return view(p.monitor(cfg));
    },
  };
}

/** Every property `balloon check --family xen` runs, as the shared runner holds them. */
export const XEN_SHARED_PROPERTIES: readonly Property[] = [
  // The shared invariants that read only the world (frames, maps, the data oracle, which guest an
  // effect names) hold for Xen as they are; they run first, as they do for virtio.
  noDoubleMapping, dataOracle, isolation,
  ...[...XEN_PROPERTIES, XEN_CONFORMANCE].map(asSharedProperty),
];

/**
 * What the shared invariants ask of Xen (properties/property.ts FamilyWorld). A hypercall
 * returns in the step that issues it (memory.c: a preempted one continues before the guest runs
 * again), so no request is ever in flight between steps; the hypervisor takes a domain's frames
 * only in decrease_reservation, which the balloon thread issues in a pass (balloon.c
 * decrease_reservation) or a hostile guest asks for; a guest never touches a gpfn it gave back
 * (a PV guest faults on it), so reuse always waits for the hypervisor to populate it again.
 */
export const xenWorld: FamilyWorld = {
  pending: () => null,
  releases: (c) => c.kind === 'thread' || c.kind === 'hostile',
  reuseWaitsForHost: () => true,
};

export const xen: Family<XenCommand, XenObservation, XenSystemConfig> = {
  name: 'xen',
  title: 'Xen (Linux drivers/xen/balloon.c guest driver; Xen xen/common/memory.c decrease_reservation / populate_physmap)',
  doc: 'docs/families/xen.md',
  defaultConfig: xenCheckConfig,
  configProblems: xenConfigProblems,
  schemas: { config: XenConfigSchema, command: XenCommandSchema },
  commandKinds: xenCommandKinds,
  formatCommand: formatXenCommand,
  describeConfig: (c) => [
    `system: ${c.guests.length} domain(s), ${c.hostFrames} host frames, extent order ≤ ${c.maxExtentOrder}, batch ≤ ${c.batchGpfns} gpfns, ${c.maxRetries} retries, delay ≤ ${c.maxDelay} s`,
    ...c.guests.map((g, i) => `  guest ${i}: ${g.mode.toUpperCase()}, ${g.ramPages} pages, floor ${g.floorPages}${g.holePages ? `, hole ${g.holeStart}+${g.holePages}` : ''}${g.podPages > 0 ? `, PoD start at ${g.podPages} pages` : ''}`),
  ],
  hostileKinds: XEN_HOSTILE_REQUESTS,
  // A hostile domain's memory ops, which the hypervisor refuses.
  hostileSender: 'guest',
  // A layout moves no gpfn: the commands are drawn for the default system, first
  // (the stream a seed gave before layouts), then the layout; each part shrinks on its own.
  caseArb: (opts = {}) => (opts.config ? xenCaseArb(opts.config, opts.maxCommands)
    : fc.tuple(xenCaseArb(xenCheckConfig(), opts.maxCommands), xenConfigArb()).map(([c, config]) => ({ config, commands: c.commands }))),
  // The configuration is fixed per campaign: nothing to make plainer.
  simplifyCase: (c) => c,
  shape: { guestField: 'xen', observationProblems: xenObservationProblems, stepResultProblems: xenStepResultProblems },
  reference: createXenReference,
  faults: Object.entries(XEN_FAULTS).map(([name, f]) => ({ name, summary: f.doc, source: f.reference, catches: f.catches })),
  withFaults: (names) => xenReferenceWithFaults(names as XenFaultName[]),
  runner: xenRunner,
  world: xenWorld,
  properties: XEN_SHARED_PROPERTIES,
  charts: xenCharts,
  conformanceProperty: (hooks) => asSharedProperty(xenConformanceProperty(hooks)),
  reach: xenReach,
  explorer: xenExplorer,
};
