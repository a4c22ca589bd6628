/**
 * VirtualBox (the Guest Additions' balloon in VBoxGuest.cpp over VMMDev and PGM) as one family
 * value: its vocabulary (core/virtualbox), reference (impl/virtualbox), statecharts
 * (model/virtualbox), workload, hostile requests, zoo and properties.
 * docs/families/virtualbox.md says what each part encodes and simplifies.
 */
import {
  formatVboxCommand, physChunksOf, VBOX_HOSTILE_REQUESTS, vboxCommandKinds, vboxConfigProblems,
  type VboxCommand, type VboxObservation, type VboxStepResult, type VboxSystemConfig,
} from '../../core/virtualbox/index.ts';
import { VboxCommandSchema, VboxConfigSchema } from '../../core/virtualbox/schema.ts';
import { vboxShape } from '../../core/virtualbox/shape.ts';
import { createVboxReference, MAX_ARMED, VBOX_FAULTS, vboxReferenceWithFaults, type VboxFaultName } from '../../impl/virtualbox/index.ts';
import { vboxCharts } from '../../model/virtualbox/index.ts';
import type { Family, FamilyRunner } from '../family.ts';
import type { FamilyWorld } from '../property.ts';
import { vboxConformanceProperty } from './conformance.ts';
import { vboxReach } from './reach.ts';
import { vboxExplorer } from './explorer.ts';
import { resolveVboxHostile } from './hostile.ts';
import { aimedPick, lastGiven } from '../workload.ts';
import { VBOX_OWN_PROPERTIES, VBOX_SHARED_INVARIANTS } from './list.ts';
import type { VboxBefore } from './property.ts';
import { simplifyVboxCase, vboxCaseArb, vboxCheckConfig } from './workload.ts';

/** The command's guest before a step: the world's summary and the balloon's own state. */
export function vboxSummary(obs: VboxObservation, guest: number): VboxBefore {
  const g = obs.guests[guest];
  const hostFree = obs.host.freeFrames;
  if (!g) {
    return {
      free: 0, used: 0, ballooned: 0, inflating: 0, deflating: 0, target: 0, actual: 0, hostFree,
      chunks: 0, wanted: 0, maxChunks: 0, told: false, closing: false, inFlight: null, eventPending: false, hostWanted: 0, hostBallooned: 0, queued: 0, armed: 0,
    };
  }
  const c = g.counts;
  const { driver: d, host: h } = g.virtualbox;
  return {
    free: c.free, used: c.used, ballooned: c.ballooned, inflating: c.inflating, deflating: c.deflating, target: g.target, actual: g.actual, hostFree,
    chunks: d.chunks, wanted: d.wanted, maxChunks: d.maxChunks, told: d.told, closing: d.closing, inFlight: d.inFlight,
    eventPending: h.eventPending, hostWanted: h.wanted, hostBallooned: h.ballooned, queued: h.queue.length, armed: h.armed,
  };
}

export const vboxRunner: FamilyRunner<VboxCommand, VboxObservation, VboxSystemConfig> = {
  summary: vboxSummary,
  // An aimed hostile request scans from the gpfn given back last (vboxHostileRequest's `where` starts at `pick`).
  prepare: (c, config, obs, aim) => (c.kind === 'hostile' ? resolveVboxHostile({ ...c, pick: aimedPick(c.pick, aim) }, config, obs) : c),
  // A chunk out of the balloon: a deflating ChangeMemBalloon the host took (PGMR3PhysChangeMemBalloon).
  givenBack: (r) => lastGiven((r as VboxStepResult).effects, (e) => (e.kind === 'change-balloon' && e.origin !== 'hostile' && e.rc === 'VINF_SUCCESS' && !e.inflate ? e.gpfns : null)),
  // The host never wants more than the guest's RAM in chunks; a malformed size is refused.
  hostTarget(c, config) {
    if (c.kind !== 'set-target' || !Number.isInteger(c.chunks) || c.chunks < 0) return null;
    const g = config.guests[c.guest];
    return g ? Math.min(c.chunks, physChunksOf(g, config.chunkPages)) * config.chunkPages : null;
  },
  // The balloon starts empty and the host wants nothing until it sets a size.
  initialTarget: () => 0,
  // The runner's targets are pages (hostTarget); VirtualBox's wanted size is chunks.
  retarget: (guest, pages, config) => ({ kind: 'set-target', guest, chunks: Math.floor(pages / config.chunkPages) }),
  // The event reaches the guest, its balloon worker steps, the host's EMT runs what is queued.
  drainRound: (_config, guest) => [{ kind: 'deliver', guest }, { kind: 'step', guest }, { kind: 'apply', guest }],
  // Each round that moves fetches the size, moves one chunk, closes the session or spends one
  // armed refusal: at most a whole balloon down (closing) and up again, the refusals, and a few
  // fetches; one more round to see it rest.
  drainBound: (config) => 2 * Math.max(...config.guests.map((g) => physChunksOf(g, config.chunkPages))) + MAX_ARMED + 6,
  moved: (r) => (r as VboxStepResult).effects.some((e) =>
    e.kind === 'balloon-event' || e.kind === 'get-balloon-req' || e.kind === 'change-balloon' || e.kind === 'balloon-applied'
    || e.kind === 'actual-written' || e.kind === 'session'),
};

/**
 * What the shared invariants ask of VirtualBox (properties/property.ts FamilyWorld). With several
 * CPUs a ChangeMemBalloon may be queued on the host's EMT after the request returned
 * (PGMR3PhysChangeMemBalloon: VMR3ReqCallNoWait): until it is applied the guest's and the host's
 * views of its pages differ. The host takes a guest's frames only when it balloons pages, inside
 * the guest's step (one CPU) or the EMT's apply; a guest must not touch a page the host still
 * holds as ballooned, so reuse waits for the deflate (the family sheet: a chunk is freed only
 * after its deflate succeeded).
 */
export const vboxWorld: FamilyWorld = {
  pending(obs, guest) {
    const q = (obs as VboxObservation).guests[guest]?.virtualbox.host.queue;
    if (!q || q.length === 0) return null;
    return `a ChangeMemBalloon ${q[0].inflate ? 'inflate' : 'deflate'} of ${q[0].pages} pages queued on the host's EMT and not applied`;
  },
  releases: (c) => c.kind === 'step' || c.kind === 'apply',
  reuseWaitsForHost: () => true,
};

export const virtualbox: Family<VboxCommand, VboxObservation, VboxSystemConfig, VboxStepResult> = {
  name: 'virtualbox',
  title: 'VirtualBox (Guest Additions VBoxGuest balloon over VMMDev: GetMemBalloonChangeRequest, ChangeMemBalloon of 1 MiB chunks, PGM zero page)',
  doc: 'docs/families/virtualbox.md',
  defaultConfig: vboxCheckConfig,
  configProblems: vboxConfigProblems,
  schemas: { config: VboxConfigSchema, command: VboxCommandSchema },
  commandKinds: vboxCommandKinds,
  formatCommand: formatVboxCommand,
  describeConfig: (c) => [
    `system: ${c.guests.length} guest(s), ${c.hostFrames} host frames (frame 0 the shared zero page), chunks of ${c.chunkPages} pages`,
    ...c.guests.map((g, i) => `  guest ${i}: ${g.ramPages} pages, floor ${g.floorPages}${g.holePages ? `, hole ${g.holeStart}+${g.holePages}` : ''}, ${g.cpus} CPU${g.cpus > 1 ? 's (changes queued on an EMT)' : ' (changes done inside the request)'}`),
  ],
  hostileKinds: VBOX_HOSTILE_REQUESTS,
  // Malformed VMMDev requests of a hostile guest, which VMMDev and PGM refuse.
  hostileSender: 'guest',
  caseArb: (opts = {}) => vboxCaseArb(opts.config, opts.maxCommands),
  simplifyCase: simplifyVboxCase,
  shape: vboxShape,
  reference: createVboxReference,
  faults: Object.entries(VBOX_FAULTS).map(([name, f]) => ({ name, summary: f.doc, source: f.reference, catches: f.catches })),
  withFaults: (names) => vboxReferenceWithFaults(names as VboxFaultName[]),
  runner: vboxRunner,
  world: vboxWorld,
  properties: [...VBOX_SHARED_INVARIANTS, ...VBOX_OWN_PROPERTIES, vboxConformanceProperty()],
  charts: vboxCharts,
  conformanceProperty: (hooks) => vboxConformanceProperty(hooks),
  reach: vboxReach,
  explorer: vboxExplorer,
};
