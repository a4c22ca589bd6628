/**
 * fast-check workloads for the VMware family: a configuration (the capabilities each guest's host
 * grants, where its memory sits) and a list of commands. Every choice is a command: targets, the
 * balloon worker running, the host's refusals, busy answers and resets, compaction migrating a
 * ballooned page, guest programs and hostile backdoor commands. Swarm testing as
 * properties/workload.ts: each case enables a subset of the optional kinds.
 */
import fc from 'fast-check';
import { layoutsArb } from '../layout.ts';
import { guestId, type GuestId } from '../../core/index.ts';
import { AIM_PICK, commandListArb, familyLocalityArb, localDraws, reuseBurstArb, swingArb, type FamilyLocality } from '../workload.ts';
import {
  ALL_CAPS, vmwGuestConfig, vmwHostileKinds, vmwSystemConfig, type VmwCaps, type VmwCommand, type VmwCommandKind, type VmwHostileKind,
  type VmwSystemConfig,
} from '../../core/vmware/index.ts';

export interface VmwCase { config: VmwSystemConfig; commands: VmwCommand[] }

/**
 * Where a 64-bit guest's memory above the PCI hole may sit: one large page of the default system
 * (4 gpfns) below the 32-bit line, the rest above, so a balloon of more than one large page names
 * page numbers past 32 bits (the driver takes the lowest free pages first). With 16 pages below,
 * a concentrated case, whose targets swing round a level under 12 pages one time in two, stayed
 * under the line: of the cases with such a guest and no batching, a third of the concentrated
 * ones sent a page number past 32 bits, two thirds of the uniform ones (issue 22; seeds 1000-1039).
 */
export const HIGH_PPN_BASE = 2 ** 32 - 4;

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

/**
 * Now and then (1 in 20) a value the command's contract refuses (core/vmware/errors.ts): a
 * negative target (vmware/bad-target), a refusal of 0 or 65 entries (vmware/bad-entries), a busy
 * answer 65 commands ahead (vmware/bad-busy).
 */
const orBad = <T>(good: fc.Arbitrary<T>, bad: fc.Arbitrary<T>) => fc.oneof({ weight: 19, arbitrary: good }, { weight: 1, arbitrary: bad });

/**
 * Locality, a swarm dimension (issue 22; properties/workload.ts says why): a concentrated case
 * draws every pick from a small pool (small slots of the guest's allocator, which swap-removal
 * refills with the page freed last, and LIFO_PICK, the last slot itself), sends most commands to
 * one guest, allocates and frees a page or two, aims most hostile commands at the lowest gpfns
 * (where vmballoon_alloc_page_list, lowest free page first, takes the balloon's pages) and moves
 * the target in small swings round one level, so LOCKs, UNLOCKs, writes, frees, RESETs and hostile
 * commands pile up on the same few gpfns. Null: uniform, as before.
 */
/** The level of a VMware case: where the targets stay, from this balloon size up by two large pages. */
export type VmwLocality = FamilyLocality<VmwCommandKind>;

/**
 * Half the levels low (the first large pages, where the driver takes its pages first), half
 * anywhere up to the biggest guest's memory, so a concentrated case also swings a balloon that
 * reaches high page numbers and the guest's whole size (not only the uniform half of the cases).
 */
const vmwLocalityArb = (config: VmwSystemConfig) => familyLocalityArb(OPTIONAL, {
  guest: fc.nat({ max: 1 }),
  level: fc.oneof(fc.nat({ max: 12 }), fc.nat({ max: Math.max(...config.guests.map((g) => g.ramPages)) })),
  aims: true,
});

function commandArb(kind: VmwCommandKind, config: VmwSystemConfig, local: VmwLocality | null = null): fc.Arbitrary<VmwCommand> {
  const L = config.largePageGpfns;
  // A hostile command's pick is the gpfn where its scan starts (properties/vmware/hostile.ts).
  const { guest, pick, hostilePick, few } = localDraws(config.guests.length, local, { few: 8, hostile: [0, 2 * L - 1] });
  const maxRam = Math.max(...config.guests.map((g) => g.ramPages));
  const target = swingArb(local, { span: 2 * L, max: maxRam, zero: true });
  switch (kind) {
    case 'set-target': return fc.record({ kind: fc.constant('set-target' as const), guest, pages: orBad(target, fc.integer({ min: -3, max: -1 })) });
    case 'work': return fc.record({ kind: fc.constant('work' as const), guest });
    case 'refuse': return fc.record({ kind: fc.constant('refuse' as const), guest, status: fc.constantFrom('pinned' as const, 'not-needed' as const), entries: orBad(fc.integer({ min: 1, max: 16 }), fc.constantFrom(0, 65)) });
    case 'busy': return fc.record({ kind: fc.constant('busy' as const), guest, after: orBad(fc.integer({ min: 0, max: 3 }), fc.constant(65)) });
    case 'host-reset': return fc.record({ kind: fc.constant('host-reset' as const), guest });
    case 'migrate': return fc.record({ kind: fc.constant('migrate' as const), guest, pick });
    case 'alloc': {
      if (!local) return fc.record({ kind: fc.constant('alloc' as const), guest, pick, pages: fc.integer({ min: 1, max: few }) });
      // ... and now and then up to all the guest's memory at once, so the host runs out of frames
      // (host/out-of-frames: it has fewer than both guests' memory). That one shrinks toward all of
      // it: a counterexample that needs memory used then needs one allocation, not a big one and the
      // one-page allocations of reuse bursts it could not grow into. Sized by the guest's own memory
      // (the guest is drawn first): more than it has is only guest/oom.
      return guest.chain((g) => {
        const ram = config.guests[g].ramPages;
        return fc.record({
          kind: fc.constant('alloc' as const), guest: fc.constant(g), pick,
          pages: fc.oneof({ weight: 4, arbitrary: fc.integer({ min: 1, max: few }) }, { weight: 1, arbitrary: fc.oneof(fc.constant(0), fc.nat({ max: ram - 1 })).map((x) => ram - x) }),
        });
      });
    }
    case 'free': return fc.record({ kind: fc.constant('free' as const), guest, pages: fc.integer({ min: 1, max: few }), pick });
    case 'write': return fc.record({ kind: fc.constant('write' as const), guest, pick });
    case 'read': return fc.record({ kind: fc.constant('read' as const), guest, pick });
    case 'hostile': return fc.record({ kind: fc.constant('hostile' as const), guest, request: fc.constantFrom(...vmwHostileKinds), pick: hostilePick });
  }
}

/** Commands for `config`, with a swarm subset of the optional kinds (and, for half the cases, locality). */
export function vmwCommandsArb(config: VmwSystemConfig, maxCommands = 60): fc.Arbitrary<VmwCommand[]> {
  return fc.record({ on: fc.subarray([...OPTIONAL], { minLength: 0 }), local: vmwLocalityArb(config) }).chain(({ on, local }) => {
    // A concentrated case always allocates (else it has nothing to write or free) and runs its extra kinds too.
    const enabled = local ? [...on, 'alloc', ...local.kinds] : on;
    const kinds = (Object.keys(WEIGHT) as VmwCommandKind[]).filter((k) => !OPTIONAL.includes(k) || enabled.includes(k));
    // ... and moves its target twice as often, so the balloon goes up and down over the same gpfns.
    const one = fc.oneof(...kinds.map((k) => ({ weight: local && k === 'set-target' ? 2 * WEIGHT[k] : WEIGHT[k], arbitrary: commandArb(k, config, local) })));
    // ... and now and then reuses the page given back last at once (reuseBurstArb), with a hostile request among it when those are enabled.
    const burst = local ? vmwBurstArb(config, local, kinds) : null;
    return commandListArb(one, burst, maxCommands);
  });
}

/**
 * A reuse burst of the hot guest (reuseBurstArb), half of them led by a swing: the target to the
 * top of the guest's swings and a run of the worker, which LOCKs pages up to it, then the target
 * to its level (the bottom) and a run that UNLOCKs them again (vmballoon_deflate), so the burst's
 * allocation at LIFO_PICK takes a page just given back and its writes, frees and aimed hostile
 * commands work it. (The level alone deflates only a balloon that was above it: one lead in eight.)
 */
function vmwBurstArb(config: VmwSystemConfig, local: VmwLocality, kinds: readonly VmwCommandKind[]): fc.Arbitrary<VmwCommand[]> {
  const guest = guestId(local.guest % config.guests.length);
  const lead: VmwCommand[] = [
    { kind: 'set-target', guest, pages: local.level + 2 * config.largePageGpfns }, { kind: 'work', guest },
    // ... with, when the swarm enables them, a LOCK of balloon pages from the level up between (the
    // driver locks the lowest free pages first, vmballoon_alloc_page_list, so those near the level
    // are about the ones the deflate gives back, the first of them last): the page reused was hit first.
    ...(kinds.includes('hostile') ? [{ kind: 'hostile' as const, guest, request: 'double-lock' as const, pick: local.level }] : []),
    { kind: 'set-target', guest, pages: local.level }, { kind: 'work', guest },
  ];
  // The burst's hostile command is aimed at the page the burst reuses, and two in three are of the
  // kinds that name a page the guest uses (unlock-unlocked; batched-without-cap where the host
  // grants no batching: hostile.ts).
  const onUsed: VmwHostileKind[] = ['unlock-unlocked', ...(config.guests[guest].caps.batched ? [] : ['batched-without-cap' as const])];
  const hostile = fc.oneof({ weight: 2, arbitrary: fc.constantFrom(...onUsed) }, { weight: 1, arbitrary: fc.constantFrom(...vmwHostileKinds) })
    .map((request): VmwCommand => ({ kind: 'hostile', guest, request, pick: AIM_PICK }));
  // ... and, when the swarm enables host resets, a RESET the worker then carries out (vmballoon_reset: the guest drops its balloon).
  const reset = kinds.includes('host-reset') ? fc.constant<VmwCommand[]>([{ kind: 'host-reset', guest }, { kind: 'work', guest }]) : null;
  // Up to five steps: a write and a hostile command on the page and what follows them (a chain of three) fit in one burst more often.
  return reuseBurstArb<VmwCommand>(guest, kinds.includes('hostile') ? hostile : null, lead, reset, 5) as fc.Arbitrary<VmwCommand[]>;
}

/** A case: the given configuration, or a generated one, and commands for it. */
export function vmwCaseArb(config?: VmwSystemConfig, maxCommands = 60): fc.Arbitrary<VmwCase> {
  const configs = config ? fc.constant(config) : vmwDenseConfigArb();
  // The layout is drawn after the commands (properties/layout.ts layoutsArb), and a busy host
  // during the restarts after both (a tuple, not a chain: fast-check shrinks each part on its own).
  const cases = configs.chain((c) => fc.tuple(vmwCommandsArb(c, maxCommands), config ? fc.constant(c) : vmwLayoutsArb(c)).map(([commands, laid]) => ({ config: laid, commands })));
  return fc.tuple(cases, restartBusyArb(config ? config.guests.length : vmwCheckConfig().guests.length))
    .map(([c, busy]) => withRestartBusy(c, busy, maxCommands));
}

/** Host RESETs of a case with a draw of their own; the later ones take the same draws again, in turn. */
const RESET_DRAWS = 4;

/**
 * A busy host during the restarts (issue 22), a swarm dimension: one case in two. A restart is the
 * exchange vmballoon_reset sends (START, VMCI_DOORBELL_SET when the host granted the doorbell,
 * GUEST_ID) at each guest's first worker run and, after a host RESET, at the run after the one
 * whose GET_TARGET was answered RESET (vmballoon_work: reset_required); a busy answer in it takes
 * a path of its own (a START refused: the reset stays due; a doorbell the host did not register:
 * vmballoon_vmci_init's check). A `busy` command drawn one by one lands there only when it comes
 * right before that run, no other command of the guest between (any would spend it first). In a
 * case of this dimension each restart draws, two times in three, a busy answer at its first,
 * second or third command: a `busy` at the start of the case or right after the host RESET (a
 * host without a session answers every command but START with RESET before it counts down:
 * impl/vmware/host.ts, so the countdown waits for the START). One draw per guest's first restart
 * and RESET_DRAWS for the host RESETs, drawn after the commands (as virtio's negotiation at
 * resets, properties/workload.ts negotiationArb), so every case keeps the draws of its
 * commands (the busy answers go in front of them and the list is then cut to the case's limit, so
 * a case near the limit loses its last commands); each draw shrinks on its own to none. Null: no busy at the restarts.
 */
function restartBusyArb(guests: number): fc.Arbitrary<(number | null)[] | null> {
  const n = guests + RESET_DRAWS;
  return fc.oneof(fc.constant(null), fc.array(fc.option(fc.nat({ max: 2 }), { freq: 3 }), { minLength: n, maxLength: n }));
}

/** `c` with the busy answers `draws` puts at its restarts (restartBusyArb); at most `maxCommands` commands. */
function withRestartBusy(c: VmwCase, draws: readonly (number | null)[] | null, maxCommands: number): VmwCase {
  if (draws === null || draws.every((d) => d === null)) return c;
  const guests = c.config.guests.length;
  const busy = (guest: GuestId, d: number | null | undefined): VmwCommand[] => (typeof d === 'number' ? [{ kind: 'busy', guest, after: d }] : []);
  let resets = 0;
  const commands = [
    ...c.config.guests.flatMap((_, g) => busy(guestId(g), draws[g])),
    ...c.commands.flatMap((x): VmwCommand[] => (x.kind === 'host-reset' ? [x, ...busy(x.guest, draws[guests + (resets++ % RESET_DRAWS)])] : [x])),
  ];
  return { ...c, commands: commands.slice(0, maxCommands) };
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
