/**
 * Hyper-V dynamic memory (a Linux guest's drivers/hv/hv_balloon.c over a VMBus channel) as one
 * family value: vocabulary (core/hyperv), reference (impl/hyperv), statecharts (model/hyperv),
 * workload, hostile host messages, zoo and properties. docs/families/hyperv.md says what each
 * part encodes and simplifies.
 */
import fc from 'fast-check';
import { PageState, type WorldObservation } from '../../core/index.ts';
import {
  formatHvCommand, HV_HOSTILE_REQUESTS, hvCommandKinds, hvConfigProblems,
  type HvCommand, type HvObservation, type HvStepResult, type HvSystemConfig,
  DEFAULT_HV_PROFILE, HV_PROFILES, hvProfileOf, withHvProfile, type HvProfile,
} from '../../core/hyperv/index.ts';
import { HvCommandSchema, HvConfigSchema } from '../../core/hyperv/schema.ts';
import { hvShape } from '../../core/hyperv/shape.ts';
import { createHvReference, HV_FAULTS, hvReferenceWithFaults, type HvFaultName } from '../../impl/hyperv/index.ts';
import { hvCharts } from '../../model/hyperv/index.ts';
import type { Family, FamilyRunner } from '../family.ts';
import type { EndContext, FamilyWorld, AnyProperty as Property, PropertyMonitor, StepContext } from '../property.ts';
import { dataOracle } from '../safety/data-oracle.ts';
import { framesConserved } from '../safety/frames-conserved.ts';
import { isolation } from '../safety/isolation.ts';
import { noDoubleMapping } from '../safety/no-double-mapping.ts';
import { hvConformanceProperty } from './conformance.ts';
import { resolveHvHostile } from './hostile.ts';
import { aimedPick, lastGiven } from '../workload.ts';
import { HV_PROPERTIES } from './list.ts';
import type { HvBefore, HvMonitor, HvProperty } from './property.ts';
import { hvCaseArb, hvCheckConfig, hvConfigArb } from './workload.ts';
import { hvReach } from './reach.ts';
import { hvExplorer } from './explorer.ts';

/** The command's guest before a step: the world's summary and the channel's state beside it. */
export function hvSummary(obs: HvObservation, guest: number): HvBefore {
  const g = obs.guests[guest];
  const hostFree = obs.host.freeFrames;
  if (!g) return { free: 0, used: 0, ballooned: 0, inflating: 0, deflating: 0, target: 0, actual: 0, hostFree, phase: 'version', hostReady: false, toGuest: 0, toHost: 0, outstanding: false, hotAddFree: 0 };
  const c = g.counts;
  let hotAddFree = 0;
  const r = g.hv.hotAdd;
  for (let n = r.start; n < r.start + r.pages; n++) if (g.pageState[n] === PageState.Free) hotAddFree++;
  return {
    free: c.free, used: c.used, ballooned: c.ballooned, inflating: c.inflating, deflating: c.deflating, target: g.target, actual: g.actual, hostFree,
    phase: g.hv.phase, hostReady: g.hv.host.ready, toGuest: g.hv.toGuest.length, toHost: g.hv.toHost.length, outstanding: g.hv.host.outstanding !== null, hotAddFree,
  };
}

export const hvRunner: FamilyRunner<HvCommand, HvObservation, HvSystemConfig> = {
  summary: hvSummary,
  // An aimed hostile message scans from the guest page given back last (hvHostileMessage's `find` starts at page `pick`).
  prepare: (c, config, obs, aim) => (c.kind === 'hostile' ? resolveHvHostile({ ...c, pick: aimedPick(c.pick, aim, (g) => Math.floor(g / (config.guests[c.guest]?.guestPageGpfns ?? 1))) }, config, obs) : c),
  // Pages out of the balloon: an UNBALLOON_REQUEST handled (balloon_down, free_balloon_pages) or a failed response's pages given back.
  givenBack: (r) => lastGiven((r as HvStepResult).effects, (e) => (e.kind === 'hv-unballooned' || e.kind === 'hv-returned' ? e.gpfns : null)),
  hostTarget(c, config) {
    if (c.kind !== 'set-target' || !Number.isInteger(c.pages) || c.pages < 0) return null;
    const g = config.guests[c.guest];
    return g ? Math.min(c.pages, g.ramPages) : null;
  },
  retarget: (guest, pages) => ({ kind: 'set-target', guest, pages }),
  // Each round: the host reads, asks toward its target (the re-asserted target lifts a stall),
  // and both sides take turns until the messages of one exchange are through. No status tick:
  // the guest's memory does not change in the drain, and a report would be news every round.
  drainRound: (_config, guest) => [
    { kind: 'host-recv', guest }, { kind: 'host-send', guest }, { kind: 'guest', guest },
    { kind: 'host-recv', guest }, { kind: 'guest', guest }, { kind: 'host-recv', guest }, { kind: 'host-recv', guest },
  ],
  drainBound: (config) => 64 + 2 * Math.max(...config.guests.map((g) => g.ramPages)),
  // A move: a message sent or handled, a page or frame moved, a transaction given up.
  moved: (r) => (r as HvStepResult).effects.some((e) => {
    switch (e.kind) {
      case 'hv-sent': case 'hv-handled':
      case 'frame-mapped': case 'frame-released': case 'hv-ballooned': case 'hv-unballooned': case 'hv-returned':
      case 'hv-onlined': case 'hv-offlined': case 'hv-abandoned': return true;
      default: return false;
    }
  }),
};

/** A Hyper-V property as the shared machinery holds it (as properties/xen/family.ts asSharedProperty). */
export function asSharedHvProperty(p: HvProperty): Property {
  return {
    name: p.name, kind: p.kind, doc: p.doc, refs: p.refs,
    monitor(config) {
      const cfg = config as unknown as HvSystemConfig;
      // The shared view of a Hyper-V monitor; its fork is the view of the monitor's own fork.
      const view = (m: HvMonitor): PropertyMonitor => ({
        ...(m.step ? { step: (ctx: StepContext) => m.step!(ctx as never) } : {}),
        ...(m.audit ? { audit: (obs: WorldObservation) => m.audit!(obs as unknown as HvObservation) } : {}),
        ...(m.end ? { end: (ctx: EndContext) => m.end!({ obs: ctx.obs as unknown as HvObservation, config: cfg, quiescent: ctx.quiescent, drainRounds: ctx.drainRounds, targets: ctx.targets }) } : {}),
        ...(m.fork ? { fork: () => view(m.fork!()) } : {}),
      });
      return view(p.monitor(cfg));
    },
  };
}

/** Every property `balloon check --family hyperv` runs: the shared invariants that read only the world, then Hyper-V's own and conformance. */
export const HV_SHARED_PROPERTIES: readonly Property[] = [
  noDoubleMapping, framesConserved, dataOracle, isolation,
  ...[...HV_PROPERTIES, hvConformanceProperty()].map(asSharedHvProperty),
];

/**
 * What the shared invariants ask of Hyper-V. A transaction the host opened is in flight until
 * its last response comes back (or the host gives it up); the host takes frames only when it
 * handles a BALLOON_RESPONSE (host-recv); a guest never touches a page it ballooned before the
 * host names it in an UNBALLOON_REQUEST, so reuse waits for the host.
 */
export const hvWorld: FamilyWorld = {
  pending: (obs, guest) => {
    const h = (obs as HvObservation).guests[guest]?.hv;
    if (!h) return null;
    if (h.host.outstanding) return `${h.host.outstanding.type} transaction #${h.host.outstanding.trans}`;
    return h.toGuest.length + h.toHost.length > 0 ? 'a message on the channel' : null;
  },
  releases: (c) => c.kind === 'host-recv',
  reuseWaitsForHost: () => true,
};

export const hyperv: Family<HvCommand, HvObservation, HvSystemConfig> = {
  name: 'hyperv',
  title: 'Hyper-V dynamic memory (Linux drivers/hv/hv_balloon.c guest driver over a VMBus channel: balloon, unballoon, hot-add)',
  doc: 'docs/families/hyperv.md',
  defaultConfig: hvCheckConfig,
  configProblems: hvConfigProblems,
  schemas: { config: HvConfigSchema, command: HvCommandSchema },
  shape: hvShape,
  commandKinds: hvCommandKinds,
  formatCommand: formatHvCommand,
  describeConfig: (c) => [
    `system: ${c.guests.length} guest(s), ${c.hostFrames} host frames, ${c.rangesPerMessage} ranges a message, big unit ${c.allocUnit} pages`,
    ...c.guests.map((g, i) => `  guest ${i}: ${g.ramPages} pages (${g.guestPageGpfns * 4} KiB guest pages), floor ${g.floorPages}${g.holePages ? `, hole ${g.holeStart}+${g.holePages}` : ''}${g.hotAddPages ? `, hot-add ${g.hotAddStart}+${g.hotAddPages}` : ''}`),
  ],
  hostileKinds: HV_HOSTILE_REQUESTS,
  // Malformed messages a hostile host sends (core/hyperv/commands.ts), which the guest refuses.
  hostileSender: 'host',
  // A layout moves no gpfn: the commands are drawn for the default system, first
  // (the stream a seed gave before layouts), then the layout; each part shrinks on its own.
  caseArb: (opts = {}) => (opts.config ? hvCaseArb(opts.config, opts.maxCommands)
    : fc.tuple(hvCaseArb(hvCheckConfig(), opts.maxCommands), hvConfigArb()).map(([c, config]) => ({ config, commands: c.commands }))),
  // The configuration is fixed per campaign: nothing to make plainer.
  simplifyCase: (c) => c,
  reference: createHvReference,
  // docs/families/hyperv.md "Profiles": sheet is the default, so runs and traces from before profiles keep their verdicts.
  profiles: { names: HV_PROFILES, default: DEFAULT_HV_PROFILE, of: hvProfileOf, apply: (c, p) => withHvProfile(c, p as HvProfile) },
  faults: Object.entries(HV_FAULTS).map(([name, f]) => ({ name, summary: f.doc, source: f.reference, catches: f.catches })),
  withFaults: (names) => hvReferenceWithFaults(names as HvFaultName[]),
  runner: hvRunner,
  world: hvWorld,
  properties: HV_SHARED_PROPERTIES,
  charts: hvCharts,
  conformanceProperty: (hooks) => asSharedHvProperty(hvConformanceProperty(hooks)),
  reach: hvReach,
  explorer: hvExplorer,
};
