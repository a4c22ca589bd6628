/**
 * VMware ESXi (a Linux guest's drivers/misc/vmw_balloon.c over the host side it expects) as one
 * family value: its vocabulary (core/vmware), reference (impl/vmware), statecharts
 * (model/vmware), workload, hostile backdoor commands, zoo and properties.
 * docs/families/vmware.md says what each part encodes and simplifies.
 */
import { vmwShape } from '../../core/vmware/shape.ts';
import {
  formatVmwCommand, VMW_HOSTILE_REQUESTS, vmwCommandKinds, vmwConfigProblems,
  type VmwCommand, type VmwObservation, type VmwStepResult, type VmwSystemConfig,
  PAGE_CMDS,
} from '../../core/vmware/index.ts';
import { VmwCommandSchema, VmwConfigSchema } from '../../core/vmware/schema.ts';
import { createVmwReference, MAX_ARMED, VMW_FAULTS, vmwReferenceWithFaults, type VmwFaultName } from '../../impl/vmware/index.ts';
import { vmwCharts } from '../../model/vmware/index.ts';
import type { Family, FamilyRunner } from '../family.ts';
import type { FamilyWorld } from '../property.ts';
import { vmwConformanceProperty } from './conformance.ts';
import { resolveVmwHostile } from './hostile.ts';
import { aimedPick, lastGiven } from '../workload.ts';
import { VMW_OWN_PROPERTIES, VMW_SHARED_INVARIANTS } from './list.ts';
import type { VmwBefore } from './property.ts';
import { simplifyVmwCase, vmwCaseArb, vmwCheckConfig } from './workload.ts';
import { vmwReach } from './reach.ts';
import { vmwExplorer } from './explorer.ts';

/** The command's guest before a step: the world's summary and the balloon's own counts. */
export function vmwSummary(obs: VmwObservation, guest: number): VmwBefore {
  const g = obs.guests[guest];
  const hostFree = obs.host.freeFrames;
  if (!g) return { free: 0, used: 0, ballooned: 0, inflating: 0, deflating: 0, target: 0, actual: 0, hostFree, locked: 0, size: 0 };
  const c = g.counts;
  return {
    free: c.free, used: c.used, ballooned: c.ballooned, inflating: c.inflating, deflating: c.deflating, target: g.target, actual: g.actual,
    hostFree, locked: g.vmware.host.locked, size: g.vmware.driver.size,
  };
}

export const vmwRunner: FamilyRunner<VmwCommand, VmwObservation, VmwSystemConfig> = {
  summary: vmwSummary,
  // An aimed hostile request scans from the gpfn given back last (vmwHostileRequest's scan starts at `pick`).
  prepare: (c, config, obs, aim) => (c.kind === 'hostile' ? resolveVmwHostile({ ...c, pick: aimedPick(c.pick, aim) }, config, obs) : c),
  // Pages out of the balloon: the entries an UNLOCK command of the driver's (or a migration's) unlocked (vmballoon_release_page_list);
  // of a 2 MiB entry its last gpfn, which the driver hands back to the guest last (vmballoon_release_page_list frees the page whole).
  givenBack: (r, config) => lastGiven((r as VmwStepResult).effects, (e) => {
    if (e.kind !== 'backdoor' || e.origin === 'hostile') return null;
    const pc = PAGE_CMDS[e.cmd];
    if (!pc || pc.lock) return null;
    const base = config.guests[e.guest]?.ppnBase ?? 0;
    return e.ppns.filter((_, i) => e.entries[i] === 'success').map((p) => (pc.batched ? p : p % 2 ** 32) - base + e.pageGpfns - 1);
  }),
  // The host never asks for more than the guest's memory; a malformed target is refused.
  hostTarget(c, config) {
    if (c.kind !== 'set-target' || !Number.isInteger(c.pages) || c.pages < 0) return null;
    const g = config.guests[c.guest];
    return g ? Math.min(c.pages, g.ramPages) : null;
  },
  // The balloon starts empty and the host asks for nothing until it sets a target.
  initialTarget: () => 0,
  retarget: (guest, pages) => ({ kind: 'set-target', guest, pages }),
  // The worker runs (its one-second timer, or the doorbell): the host side answers within the command.
  drainRound: (_config, guest) => [{ kind: 'work', guest }],
  // A round that moves either reaches the target or spends at least one of the host's armed
  // answers (at most MAX_ARMED refusals and one busy), or starts over after a RESET (twice:
  // a busy START); one more round to see it rest.
  drainBound: () => MAX_ARMED + 8,
  // A worker run moves when the balloon changed, it started over, or the host spent an armed answer.
  moved: (r) => (r as VmwStepResult).effects.some((e) =>
    e.kind === 'actual-written' || (e.kind === 'work' && e.reset)
    || (e.kind === 'backdoor' && (e.status === 'busy' || e.status === 'reset' || e.entries.some((s) => s === 'ppn-pinned' || s === 'ppn-not-needed')))),
};

/**
 * What the shared invariants ask of VMware (properties/property.ts FamilyWorld). Every backdoor
 * command returns in the step that issues it, so the only thing in flight between steps is a
 * RESET: the host forgot the balloon and the guest has not seen it, or has seen it and not yet
 * started over (vmw_balloon.c reset_required). The host takes a guest's frames only when it locks
 * pages, which the worker (vmballoon_inflate) and compaction (vmballoon_migratepage) ask for; a
 * guest must not touch a page the host holds locked (the host may reset the balloon when it does:
 * the driver's START(0) on unload), so reuse waits for the UNLOCK.
 */
export const vmwWorld: FamilyWorld = {
  pending(obs, guest) {
    const g = (obs as VmwObservation).guests[guest];
    if (!g) return null;
    if (g.vmware.host.forgot) return 'the host forgot the balloon (RESET) and the guest has not seen it yet';
    if (g.vmware.driver.resetRequired) return 'a RESET was seen and the driver has not started over (START) yet';
    return null;
  },
  releases: (c) => c.kind === 'work' || c.kind === 'migrate',
  reuseWaitsForHost: () => true,
};

export const vmware: Family<VmwCommand, VmwObservation, VmwSystemConfig, VmwStepResult> = {
  name: 'vmware',
  title: 'VMware ESXi (Linux drivers/misc/vmw_balloon.c guest driver over the backdoor: LOCK / UNLOCK, batched and 2 MiB, RESET)',
  doc: 'docs/families/vmware.md',
  defaultConfig: vmwCheckConfig,
  configProblems: vmwConfigProblems,
  schemas: { config: VmwConfigSchema, command: VmwCommandSchema },
  shape: vmwShape,
  commandKinds: vmwCommandKinds,
  formatCommand: formatVmwCommand,
  describeConfig: (c) => [
    `system: ${c.guests.length} guest(s), ${c.hostFrames} host frames, ${c.batchPages} entries a batch, large pages of ${c.largePageGpfns} gpfns, ≤ ${c.maxRefused} refused`,
    ...c.guests.map((g, i) => {
      const caps = Object.entries(g.caps).filter(([, on]) => on).map(([k]) => k);
      return `  guest ${i}: ${g.ramPages} pages, floor ${g.floorPages}${g.holePages ? `, hole ${g.holeStart}+${g.holePages}` : ''}${g.ppnBase ? `, page numbers from ${g.ppnBase}` : ''}, host grants ${caps.length ? caps.join(', ') : 'basic commands only'}`;
    }),
  ],
  hostileKinds: VMW_HOSTILE_REQUESTS,
  // Malformed backdoor commands of a hostile guest, which the host refuses.
  hostileSender: 'guest',
  caseArb: (opts = {}) => vmwCaseArb(opts.config, opts.maxCommands),
  simplifyCase: simplifyVmwCase,
  reference: createVmwReference,
  faults: Object.entries(VMW_FAULTS).map(([name, f]) => ({ name, summary: f.doc, source: f.reference, catches: f.catches })),
  withFaults: (names) => vmwReferenceWithFaults(names as VmwFaultName[]),
  runner: vmwRunner,
  world: vmwWorld,
  properties: [...VMW_SHARED_INVARIANTS, ...VMW_OWN_PROPERTIES, vmwConformanceProperty()],
  charts: vmwCharts,
  conformanceProperty: (hooks) => vmwConformanceProperty(hooks),
  reach: vmwReach,
  explorer: vmwExplorer,
};
