/**
 * fast-check workloads for the VirtualBox family: a configuration (each guest's CPUs: one applies
 * a balloon change inside the request, several queue it) and a list of commands. Every choice is
 * a command: the host's wanted size, the event delivered, the guest's balloon steps, the EMT's
 * apply, refusals, a session closing, guest programs and hostile requests. Swarm testing as
 * properties/workload.ts: each case enables a subset of the optional kinds.
 */
import fc from 'fast-check';
import { layoutsArb } from '../layout.ts';
import { guestId } from '../../core/index.ts';
import {
  physChunksOf, vboxGuestConfig, vboxHostileKinds, vboxRefusals, vboxSystemConfig, type VboxCommand, type VboxCommandKind,
  type VboxSystemConfig,
} from '../../core/virtualbox/index.ts';

export interface VboxCase { config: VboxSystemConfig; commands: VboxCommand[] }

const OPTIONAL: readonly VboxCommandKind[] = ['refuse', 'close', 'alloc', 'free', 'write', 'read', 'hostile'];
const WEIGHT: Record<VboxCommandKind, number> = {
  'step': 8, 'deliver': 4, 'apply': 4, 'set-target': 3, 'refuse': 1, 'close': 1, 'alloc': 3, 'free': 2, 'write': 2, 'read': 2, 'hostile': 2,
};

/**
 * The default system of property runs: a one-CPU guest and a two-CPU guest with an MMIO hole, on
 * a host with frames to spare. Chunks of 8 pages keep a whole balloon within reach of short runs;
 * VirtualBox's are 256 (docs/families/virtualbox.md: `vboxRealConfig` keeps 256).
 */
export function vboxCheckConfig(): VboxSystemConfig {
  return vboxSystemConfig();
}

/** A system with VirtualBox's own chunk of 256 pages (1 MiB): one two-CPU guest of 8 MiB with a 1 MiB floor. */
export function vboxRealConfig(): VboxSystemConfig {
  return vboxSystemConfig({
    hostFrames: 2600, reservedFrames: 4, chunkPages: 256,
    guests: [vboxGuestConfig({ ramPages: 2048, floorPages: 256, cpus: 2, holeStart: 1024, holePages: 64 })],
  });
}

/** Configurations like the default one, with each guest's CPU count generated and, one in four, laid out as a real machine. */
export function vboxConfigArb(): fc.Arbitrary<VboxSystemConfig> {
  return vboxDenseConfigArb().chain(vboxLayoutsArb);
}

function vboxDenseConfigArb(): fc.Arbitrary<VboxSystemConfig> {
  const base = vboxCheckConfig();
  const cpus = fc.constantFrom(1, 2, 4);
  return fc.tuple(cpus, cpus).map(([c0, c1]) => ({
    ...base,
    guests: [{ ...base.guests[0], cpus: c0 }, { ...base.guests[1], cpus: c1 }],
  }));
}

/** `c`, laid out as a real machine in one case of four (properties/layout.ts): RTGCPHYS addresses are 64 bits; a chunk stays in one range. */
function vboxLayoutsArb(c: VboxSystemConfig): fc.Arbitrary<VboxSystemConfig> {
  return layoutsArb(c, { bits: 64, align: (x) => x.chunkPages });
}

function commandArb(kind: VboxCommandKind, config: VboxSystemConfig): fc.Arbitrary<VboxCommand> {
  const guest = fc.integer({ min: 0, max: config.guests.length - 1 }).map(guestId);
  const pick = fc.nat(1 << 16);
  const maxChunks = Math.max(...config.guests.map((g) => physChunksOf(g, config.chunkPages)));
  switch (kind) {
    case 'set-target': return fc.record({ kind: fc.constant('set-target' as const), guest, chunks: fc.integer({ min: 0, max: maxChunks + 1 }) });
    case 'deliver': return fc.record({ kind: fc.constant('deliver' as const), guest });
    case 'step': return fc.record({ kind: fc.constant('step' as const), guest });
    case 'apply': return fc.record({ kind: fc.constant('apply' as const), guest });
    case 'refuse': return fc.record({ kind: fc.constant('refuse' as const), guest, status: fc.constantFrom(...vboxRefusals) });
    case 'close': return fc.record({ kind: fc.constant('close' as const), guest });
    case 'alloc': return fc.record({ kind: fc.constant('alloc' as const), guest, pages: fc.integer({ min: 1, max: 12 }), pick });
    case 'free': return fc.record({ kind: fc.constant('free' as const), guest, pages: fc.integer({ min: 1, max: 12 }), pick });
    case 'write': return fc.record({ kind: fc.constant('write' as const), guest, pick });
    case 'read': return fc.record({ kind: fc.constant('read' as const), guest, pick });
    case 'hostile': return fc.record({ kind: fc.constant('hostile' as const), guest, request: fc.constantFrom(...vboxHostileKinds), pick });
  }
}

/** Commands for `config`, with a swarm subset of the optional kinds. */
export function vboxCommandsArb(config: VboxSystemConfig, maxCommands = 60): fc.Arbitrary<VboxCommand[]> {
  return fc.subarray([...OPTIONAL], { minLength: 0 }).chain((on) => {
    const kinds = (Object.keys(WEIGHT) as VboxCommandKind[]).filter((k) => !OPTIONAL.includes(k) || on.includes(k));
    const one = fc.oneof(...kinds.map((k) => ({ weight: WEIGHT[k], arbitrary: commandArb(k, config) })));
    return fc.array(one, { maxLength: maxCommands, size: 'medium' });
  });
}

/** A case: the given configuration, or a generated one, and commands for it. */
export function vboxCaseArb(config?: VboxSystemConfig, maxCommands = 60): fc.Arbitrary<VboxCase> {
  const configs = config ? fc.constant(config) : vboxDenseConfigArb();
  // The layout is drawn after the commands (properties/layout.ts layoutsArb).
  return configs.chain((c) => fc.tuple(vboxCommandsArb(c, maxCommands), config ? fc.constant(c) : vboxLayoutsArb(c)).map(([commands, laid]) => ({ config: laid, commands })));
}

/** After shrinking: give each guest one CPU where the failure allows, so a counterexample is asynchronous only when it must be. */
export function simplifyVboxCase(c: VboxCase, stillFails: (c: VboxCase) => boolean): VboxCase {
  let best = c;
  for (let i = 0; i < best.config.guests.length; i++) {
    const g = best.config.guests[i];
    if (g.cpus === 1) continue;
    const guests = best.config.guests.map((x, j) => (j === i ? { ...x, cpus: 1 } : x));
    const cand = { ...best, config: { ...best.config, guests } };
    if (stillFails(cand)) best = cand;
  }
  return best;
}
