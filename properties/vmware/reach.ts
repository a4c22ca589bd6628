/**
 * VMware's situation catalogue (issue 22; properties/reach/situation.ts): ordered chains of a
 * LOCK by the driver ("inflate", vmballoon_lock), an UNLOCK ("deflate", vmballoon_unlock; a
 * compaction migration is an UNLOCK of the old page and a LOCK of the new one), the guest dropping
 * its balloon after a RESET ("reset", vmballoon_reset), a guest write and free, and a hostile
 * backdoor command on one gpfn (the host drops 4 KiB frames: host pages of one gpfn, so the
 * chains a gpfn's states forbid are marked unreachable with the reason); the limits of
 * vmw_balloon.c (a page of entries, 2 MiB pages, 64-bit page numbers, the refusal limit, a busy
 * host, a RESET with pages locked); each refusal code and each status the host answers; the work
 * of each property.
 */
import { VMW_ERROR_CODES, PAGE_CMDS, type VmwCommand, type VmwStatus, type VmwStepResult, type VmwSystemConfig } from '../../core/vmware/index.ts';
import { gpfnSpace } from '../../core/index.ts';
import type { StepContext } from '../property.ts';
import { chainSituations, ChainTracker, EV, gpfnObstacle } from '../reach/chains.ts';
import { situationIndex, type ReachCatalogue, type Situation } from '../reach/situation.ts';
import { LayoutCounter, layoutSituations, wireTopSituation } from '../reach/layout.ts';
import { errorSituations, sharedWork, worldWork, WorldWorkCounter } from '../reach/world.ts';

const LIMITS: readonly Situation[] = [
  { name: 'batch-full', group: 'limit', doc: 'a batched LOCK or UNLOCK carried a whole page of entries (vmw_balloon.c vmballoon_batch: batchPages entries)' },
  { name: 'lock-2m', group: 'limit', doc: 'the host locked a 2 MiB page (BATCHED_2M_LOCK, vmballoon_inflate trying large pages first)' },
  { name: 'unlock-2m', group: 'limit', doc: 'the host unlocked a 2 MiB page (BATCHED_2M_UNLOCK)' },
  { name: 'ppn-above-4g', group: 'limit', doc: 'the driver named a page number of 2^32 or more (64-bit PPNs of the batched commands; a basic command carries only 32 bits: vmballoon_send_lock_page)' },
  { name: 'refused-at-limit', group: 'limit', doc: 'an inflation round held maxRefused refused pages (VMW_BALLOON_MAX_REFUSED: the driver stops and frees them)' },
  { name: 'refused-freed', group: 'limit', doc: 'refused pages went back to the guest at the end of a round (vmballoon_release_refused_pages)' },
  { name: 'reset-with-balloon', group: 'limit', doc: 'the host forgot a balloon that held pages locked (a resumed or vMotioned VM: vmballoon_reset drops them without UNLOCK)' },
  { name: 'migrated', group: 'limit', doc: 'compaction moved a ballooned page: UNLOCK of the old, LOCK of the new (vmballoon_migratepage)' },
  { name: 'target-zero', group: 'limit', doc: 'the host asked for a balloon of 0 pages' },
  { name: 'target-past-ram', group: 'limit', doc: 'the host asked for a balloon bigger than the guest\'s memory (clamped)' },
  { name: 'doorbell-set', group: 'limit', doc: 'the driver registered a doorbell (VMW_BALLOON_CMD_VMCI_DOORBELL_SET)' },
];

/** Each status the host answers but success, as situations of the error group (vmw_balloon.c VMW_BALLOON_ERROR_*). */
const STATUSES: readonly VmwStatus[] = ['cmd-invalid', 'ppn-invalid', 'ppn-locked', 'ppn-unlocked', 'ppn-pinned', 'ppn-not-needed', 'reset', 'busy'];
const STATUS_DOC: Record<string, string> = {
  'cmd-invalid': 'a command the granted capabilities do not allow (VMW_BALLOON_ERROR_CMD_INVALID)',
  'ppn-invalid': 'an entry outside the guest\'s RAM (VMW_BALLOON_ERROR_PPN_INVALID)',
  'ppn-locked': 'a LOCK of a page already locked (VMW_BALLOON_ERROR_PPN_LOCKED)',
  'ppn-unlocked': 'an UNLOCK of a page not locked (VMW_BALLOON_ERROR_PPN_UNLOCKED)',
  'ppn-pinned': 'the host refused an entry as pinned (VMW_BALLOON_ERROR_PPN_PINNED)',
  'ppn-not-needed': 'the host refused an entry as not needed (VMW_BALLOON_ERROR_PPN_NOTNEEDED)',
  'reset': 'the host asked for a reset (VMW_BALLOON_ERROR_RESET)',
  'busy': 'the host was busy (VMW_BALLOON_ERROR_BUSY)',
};
const STATUS_SITUATIONS: readonly Situation[] = STATUSES.map((s) => ({ name: `status:${s}`, group: 'error', doc: `the host answered ${STATUS_DOC[s]}` }));

const NEVER: Record<string, string> = {
  'vmware/no-request': 'the runner fills in every hostile request (properties/vmware/hostile.ts); only a hand-edited trace lacks one',
  'guest/unknown': 'the workload names only guests of the configuration (properties/vmware/workload.ts)',
};

const OWN_WORK: readonly Situation[] = [
  { name: 'page-locked', group: 'work', doc: 'the host locked a page the driver asked for (the size the host holds moved)' },
  { name: 'driver-page-cmd', group: 'work', doc: 'the driver sent a LOCK or UNLOCK (requests well formed)' },
];

const ALL: readonly Situation[] = [
  ...chainSituations(gpfnObstacle({ reset: 'any', leaves: 'balloon' })), ...LIMITS, ...errorSituations(VMW_ERROR_CODES, NEVER), ...STATUS_SITUATIONS,
  ...worldWork(), ...OWN_WORK,
  // Layouts of real machines (properties/reach/layout.ts), in their own block: batched LOCK and UNLOCK entries carry
  // 64-bit page numbers (vmw_balloon.c; the non-batched register's 32 bits are ppn-above-4g's).
  ...layoutSituations(64), wireTopSituation(64),
];
const at = situationIndex(ALL);
const CHAINS = at('inflate>inflate');
const L = Object.fromEntries([...LIMITS, ...OWN_WORK].map((s) => [s.name, at(s.name)]));
const STATUS = Object.fromEntries(STATUSES.map((s) => [s, at(`status:${s}`)]));
const CODES = Object.keys(VMW_ERROR_CODES);

/** What gives each VMware property something to check (properties/vmware/list.ts, properties/safety/). */
const WORK: Record<string, readonly string[]> = {
  ...sharedWork('no-double-mapping', 'frames-conserved', 'balloon-pages-untouched', 'data-oracle', 'host-drops-only-ballooned', 'counters-match', 'isolation', 'floors-and-targets', 'progress'),
  'vmware-size-is-locked': ['page-locked'],
  'vmware-requests-well-formed': ['driver-page-cmd'],
  'vmware-bad-requests-change-nothing': ['hostile'],
  'vmware-reset-forgets': ['reset'],
  'vmware-doorbell-agrees': ['doorbell-set'],
  'vmware-refusals-clamped': ['status:ppn-pinned', 'status:ppn-not-needed'],
  'vmware-convergence': ['target-nonzero'],
  'vmware-command-contract': ['any-step'],
  'conformance': ['any-step'],
};

export const vmwReach: ReachCatalogue<VmwSystemConfig> = {
  situations: ALL,
  work: WORK,
  counter(config, hit) {
    const chains = new ChainTracker(config.guests.length, hit, CHAINS);
    const world = new WorldWorkCounter(config.guests.length, hit, at, CODES);
    const layout = new LayoutCounter(config, hit, at, 64);
    const laidOut = layout.any;
    const space = config.guests.map(gpfnSpace);
    const onGpfns = (guest: number, first: number, n: number, e: number) => {
      const top = space[guest] ?? 0;
      for (let x = first; x < first + n; x++) if (Number.isInteger(x) && x >= 0 && x < top) chains.event(guest, x, e);
    };
    return {
      step(ctx: StepContext) {
        const command = ctx.command as unknown as VmwCommand;
        const result = ctx.result as unknown as VmwStepResult;
        chains.beginStep(ctx.index);
        world.step(ctx, 0);
        if (laidOut) layout.step(ctx);
        for (const e of result.effects) {
          switch (e.kind) {
            case 'backdoor': {
              if (e.status !== 'success' && e.status !== 'success-with-caps') hit[STATUS[e.status]] = 1;
              for (const s of e.entries) if (s !== 'success' && s !== 'success-with-caps') hit[STATUS[s]] = 1;
              if (e.cmd === 'doorbell-set' && e.set && e.status === 'success') hit[L['doorbell-set']] = 1;
              const pc = PAGE_CMDS[e.cmd];
              if (!pc) break;
              const base = config.guests[e.guest]?.ppnBase ?? 0;
              const gpfnOf = (ppn: number) => (pc.batched ? ppn : ppn % 2 ** 32) - base;
              if (e.origin === 'hostile') { for (const p of e.ppns) onGpfns(e.guest, gpfnOf(p), e.pageGpfns, EV.hostile); break; }
              if (e.origin === 'driver') {
                hit[L['driver-page-cmd']] = 1;
                if (pc.batched && e.ppns.length === config.batchPages) hit[L['batch-full']] = 1;
                if (e.ppns.some((p) => p >= 2 ** 32)) hit[L['ppn-above-4g']] = 1;
              }
              e.ppns.forEach((p, i) => {
                if (e.entries[i] !== 'success') return;
                if (pc.lock) hit[L['page-locked']] = 1;
                if (pc.large) hit[L[pc.lock ? 'lock-2m' : 'unlock-2m']] = 1;
                if (e.origin === 'migrate' && pc.lock) hit[L.migrated] = 1;
                onGpfns(e.guest, gpfnOf(p), e.pageGpfns, pc.lock ? EV.inflate : EV.deflate);
              });
              break;
            }
            case 'work':
              if (e.peakRefused >= config.maxRefused) hit[L['refused-at-limit']] = 1;
              if (e.refusedFreed > 0) hit[L['refused-freed']] = 1;
              break;
            case 'host-forgot': if (e.pages > 0) hit[L['reset-with-balloon']] = 1; break;
            case 'wrote': if (command.kind === 'write') chains.event(e.guest, e.gpfn, EV.write); break;
            case 'pages-freed': if (command.kind === 'free') for (const n of e.gpfns) onGpfns(e.guest, n, 1, EV.free); break;
            case 'reset': chains.reset(e.guest); break;
            case 'target-set':
              if (e.requested > e.target) hit[L['target-past-ram']] = 1;
              if (e.target === 0) hit[L['target-zero']] = 1;
              break;
            default: break;
          }
        }
      },
    };
  },
};
