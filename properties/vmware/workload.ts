/**
 * fast-check workloads for the VMware family: a configuration (the capabilities each guest's host
 * grants, where its memory sits) and a list of commands. Every choice is a command: targets, the
 * balloon worker running, the host's refusals, busy answers and resets, compaction migrating a
 * ballooned page, guest programs and hostile backdoor commands. Swarm testing as
 * properties/workload.ts: each case enables a subset of the optional kinds.
 */
import fc from 'fast-check';
import { layoutsArb } from '../layout.ts';
import { guestId } from '../../core/index.ts';
import {
  ALL_CAPS, vmwGuestConfig, vmwHostileKinds, vmwSystemConfig, type VmwCaps, type VmwCommand, type VmwCommandKind,
  type VmwSystemConfig,
} from '../../core/vmware/index.ts';

export interface VmwCase { config: VmwSystemConfig; commands: VmwCommand[] }

/** Where a 64-bit guest's memory above the PCI hole may sit: 16 pages below the 32-bit line, so most of it lies above. */
export const HIGH_PPN_BASE = 2 ** 32 - 16;

const OPTIONAL: readonly VmwCommandKind[] = ['refuse', 'busy', 'host-reset', 'migrate', 'alloc', 'free', 'write', 'read', 'hostile'];
const WEIGHT: Record<VmwCommandKind, number> = {
  'work': 8, 'set-target': 3, 'refuse': 2, 'busy': 1, 'host-reset': 1, 'migrate': 2, 'alloc': 3, 'free': 2, 'write': 2, 'read': 2, 'hostile': 2,
};

/**
 * The default system of property runs: a guest whose host grants everything and one with an MMIO
 * hole whose host grants only the basic commands, on a host with frames to spare. Small pages of
 * entries (4), small large pages (4 gpfns) and a low refusal limit (4) keep every path of the
 * driver within reach of short runs; Linux's are 512, 512 and 16.
 */
export function vmwCheckConfig(): VmwSystemConfig {
  return vmwSystemConfig({
    hostFrames: 100, batchPages: 4, largePageGpfns: 4, maxRefused: 4,
    guests: [vmwGuestConfig(), vmwGuestConfig({ ramPages: 48, holeStart: 32, holePages: 8, caps: { batched: false, large: false, doorbell: false, target64: false } })],
  });
}

const capsArb: fc.Arbitrary<VmwCaps> = fc.record({ batched: fc.boolean(), large: fc.boolean(), doorbell: fc.boolean(), target64: fc.boolean() });

/** Configurations like the default one, with each guest's granted capabilities and memory placement generated. */
export function vmwConfigArb(): fc.Arbitrary<VmwSystemConfig> {
  return vmwDenseConfigArb().chain(vmwLayoutsArb);
}

function vmwDenseConfigArb(): fc.Arbitrary<VmwSystemConfig> {
  const base = vmwCheckConfig();
  return fc.tuple(capsArb, capsArb, fc.boolean(), fc.boolean()).map(([c0, c1, h0, h1]) => ({
    ...base,
    guests: [
      { ...base.guests[0], caps: c0, ppnBase: h0 ? HIGH_PPN_BASE : 0 },
      { ...base.guests[1], caps: c1, ppnBase: h1 ? HIGH_PPN_BASE : 0 },
    ],
  }));
}

/**
 * `c`, laid out as a real machine in one case of four (properties/layout.ts): batched entries carry
 * 64-bit page numbers, a 32-bit register the rest (the driver refuses to send what does not fit);
 * a 2 MiB page stays in one range. A laid-out guest's page numbers are its layout's alone (ppnBase 0).
 */
function vmwLayoutsArb(c: VmwSystemConfig): fc.Arbitrary<VmwSystemConfig> {
  return layoutsArb(c, { bits: 64, align: (x) => x.largePageGpfns })
    .map((x) => ({ ...x, guests: x.guests.map((g) => (g.layout ? { ...g, ppnBase: 0 } : g)) }));
}

function commandArb(kind: VmwCommandKind, config: VmwSystemConfig): fc.Arbitrary<VmwCommand> {
  const guest = fc.integer({ min: 0, max: config.guests.length - 1 }).map(guestId);
  const pick = fc.nat(1 << 16);
  const maxRam = Math.max(...config.guests.map((g) => g.ramPages));
  switch (kind) {
    case 'set-target': return fc.record({ kind: fc.constant('set-target' as const), guest, pages: fc.integer({ min: 0, max: maxRam }) });
    case 'work': return fc.record({ kind: fc.constant('work' as const), guest });
    case 'refuse': return fc.record({ kind: fc.constant('refuse' as const), guest, status: fc.constantFrom('pinned' as const, 'not-needed' as const), entries: fc.integer({ min: 1, max: 16 }) });
    case 'busy': return fc.record({ kind: fc.constant('busy' as const), guest, after: fc.integer({ min: 0, max: 3 }) });
    case 'host-reset': return fc.record({ kind: fc.constant('host-reset' as const), guest });
    case 'migrate': return fc.record({ kind: fc.constant('migrate' as const), guest, pick });
    case 'alloc': return fc.record({ kind: fc.constant('alloc' as const), guest, pages: fc.integer({ min: 1, max: 8 }), pick });
    case 'free': return fc.record({ kind: fc.constant('free' as const), guest, pages: fc.integer({ min: 1, max: 8 }), pick });
    case 'write': return fc.record({ kind: fc.constant('write' as const), guest, pick });
    case 'read': return fc.record({ kind: fc.constant('read' as const), guest, pick });
    case 'hostile': return fc.record({ kind: fc.constant('hostile' as const), guest, request: fc.constantFrom(...vmwHostileKinds), pick });
  }
}

/** Commands for `config`, with a swarm subset of the optional kinds. */
export function vmwCommandsArb(config: VmwSystemConfig, maxCommands = 60): fc.Arbitrary<VmwCommand[]> {
  return fc.subarray([...OPTIONAL], { minLength: 0 }).chain((on) => {
    const kinds = (Object.keys(WEIGHT) as VmwCommandKind[]).filter((k) => !OPTIONAL.includes(k) || on.includes(k));
    const one = fc.oneof(...kinds.map((k) => ({ weight: WEIGHT[k], arbitrary: commandArb(k, config) })));
    return fc.array(one, { maxLength: maxCommands, size: 'medium' });
  });
}

/** A case: the given configuration, or a generated one, and commands for it. */
export function vmwCaseArb(config?: VmwSystemConfig, maxCommands = 60): fc.Arbitrary<VmwCase> {
  const configs = config ? fc.constant(config) : vmwDenseConfigArb();
  // The layout is drawn after the commands (properties/layout.ts layoutsArb).
  return configs.chain((c) => fc.tuple(vmwCommandsArb(c, maxCommands), config ? fc.constant(c) : vmwLayoutsArb(c)).map(([commands, laid]) => ({ config: laid, commands })));
}

/**
 * After shrinking: make each guest's host grant everything and put its memory low, where the
 * failure allows, so a counterexample names only the capabilities and placement it needs.
 */
export function simplifyVmwCase(c: VmwCase, stillFails: (c: VmwCase) => boolean): VmwCase {
  let best = c;
  for (let i = 0; i < best.config.guests.length; i++) {
    for (const over of [{ caps: { ...ALL_CAPS } }, { ppnBase: 0 }]) {
      const g = best.config.guests[i];
      const next = { ...g, ...over };
      if (JSON.stringify(next) === JSON.stringify(g)) continue;
      const guests = best.config.guests.map((x, j) => (j === i ? next : x));
      const cand = { ...best, config: { ...best.config, guests } };
      if (stillFails(cand)) best = cand;
    }
  }
  return best;
}
