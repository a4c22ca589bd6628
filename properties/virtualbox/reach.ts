/**
 * VirtualBox's situation catalogue (issue 22; properties/reach/situation.ts): ordered chains of a
 * ChangeMemBalloon(inflate) the host took for a page ("inflate": vboxGuestBalloonInflate, one
 * chunk of pages), a ChangeMemBalloon(deflate) ("deflate": vboxGuestBalloonDeflate), the balloon
 * session closing ("reset": vgdrvCloseMemBalloon; the driver's balloon state is gone and it
 * starts over, as after a reset), a guest write and free, and a hostile ChangeMemBalloon naming the
 * page, on one gpfn (the host backs 4 KiB pages, and a chunk's pages are any free pages, not a
 * run: RTR0MemObjAllocPhysNC; so host pages of one gpfn, and the chains a gpfn's states forbid are
 * marked unreachable with the reason). The limits of VBoxGuest.cpp and PGMPhys.cpp (a change
 * queued to an EMT, a wanted size above the maximum, a session closed with chunks held), each
 * refusal code and each status the host answers; the work of each property.
 */
import { gpfnSpace } from '../../core/index.ts';
import { maxChunksOf, VBOX_ERROR_CODES, type VboxCommand, type VboxStepResult, type VboxSystemConfig } from '../../core/virtualbox/index.ts';
import type { StepContext } from '../property.ts';
import { chainSituations, ChainTracker, EV, gpfnObstacle } from '../reach/chains.ts';
import { situationIndex, type ReachCatalogue, type Situation } from '../reach/situation.ts';
import { LayoutCounter, layoutSituations, wireTopSituation } from '../reach/layout.ts';
import { errorSituations, sharedWork, worldWork, WorldWorkCounter } from '../reach/world.ts';

const CLOSE_AFTER_DEFLATE = 'a session closes only once its balloon is empty (vgdrvCloseMemBalloon deflates every chunk from the top first), so a ballooned page is deflated before';

const LIMITS: readonly Situation[] = [
  { name: 'chunk-inflated', group: 'limit', doc: 'the host took a chunk into the balloon (ChangeMemBalloon inflate, VINF_SUCCESS)' },
  { name: 'chunk-deflated', group: 'limit', doc: 'the host gave a chunk back (ChangeMemBalloon deflate, VINF_SUCCESS)' },
  { name: 'change-queued', group: 'limit', doc: 'a change was posted to an EMT and the request returned first (PGMR3PhysChangeMemBalloon, several CPUs)' },
  { name: 'change-applied', group: 'limit', doc: 'an EMT applied a queued change (pgmR3PhysChangeMemBalloonHelper)' },
  { name: 'wanted-above-max', group: 'limit', doc: 'the driver refused a wanted size above its maximum (vboxGuestSetBalloonSizeKernel: VERR_INVALID_PARAMETER)' },
  { name: 'wanted-at-max', group: 'limit', doc: 'the driver took a wanted size equal to its maximum chunk count' },
  { name: 'target-past-ram', group: 'limit', doc: 'the host was asked for more chunks than the guest has RAM, and clamped it to cPhysMemChunks' },
  { name: 'out-of-puff', group: 'limit', doc: 'the driver could not allocate a chunk\'s pages (RTR0MemObjAllocPhysNC failed)' },
  { name: 'closed-with-balloon', group: 'limit', doc: 'the session began to close with chunks held (vgdrvCloseMemBalloon deflates them)' },
  { name: 'session-closed', group: 'limit', doc: 'the session finished closing and the driver starts over' },
  { name: 'unaligned-request', group: 'limit', doc: 'a ChangeMemBalloon named an address not 4 KiB aligned' },
  { name: 'target-zero', group: 'limit', doc: 'the host wanted a balloon of 0 chunks' },
];

const RC_SITUATIONS: readonly Situation[] = (['VERR_INVALID_PARAMETER', 'VERR_NO_MEMORY', 'VERR_GMM_SEED_ME'] as const).map((s) => ({
  name: `rc:${s}`, group: 'error', doc: `the host failed a ChangeMemBalloon with ${s} (VMMDev, PGMPhys.cpp, GMM)`,
}));

const NEVER: Record<string, string> = {
  'virtualbox/no-request': 'the runner fills in every hostile request (properties/virtualbox/hostile.ts); only a hand-edited trace lacks one',
  'guest/unknown': 'the workload names only guests of the configuration (properties/virtualbox/workload.ts)',
  'host/out-of-frames': 'the check\'s host has a frame for every page of both guests (vboxCheckConfig: 140 frames, 4 reserved, 64 + 48 pages of RAM); a ballooned page needs none (the shared zero page)',
};

const OWN_WORK: readonly Situation[] = [
  { name: 'driver-change', group: 'work', doc: 'the driver sent a ChangeMemBalloon (requests well formed)' },
];

const ALL: readonly Situation[] = [
  ...chainSituations(gpfnObstacle({ reset: 'unballooned', why: CLOSE_AFTER_DEFLATE, leaves: 'balloon' })), ...LIMITS,
  ...errorSituations(VBOX_ERROR_CODES, NEVER), ...RC_SITUATIONS,
  ...worldWork({ reset: 'VirtualBox\'s vocabulary has no guest reset (core/virtualbox/effects.ts); its chains count a session closing as the reset (session-closed)' }),
  ...OWN_WORK,
  // Layouts of real machines (properties/reach/layout.ts), in their own block: VMMDevChangeMemBalloon carries 64-bit
  // RTGCPHYS addresses (VMMDev.h); an x86-64 pfn stops at 2^40.
  ...layoutSituations(64), wireTopSituation(64),
];
const at = situationIndex(ALL);
const CHAINS = at('inflate>inflate');
const L = Object.fromEntries([...LIMITS, ...OWN_WORK, ...RC_SITUATIONS].map((s) => [s.name, at(s.name)]));
const CODES = Object.keys(VBOX_ERROR_CODES);

/** What gives each VirtualBox property something to check (properties/virtualbox/list.ts, properties/safety/). */
const WORK: Record<string, readonly string[]> = {
  ...sharedWork('no-double-mapping', 'frames-conserved', 'balloon-pages-untouched', 'data-oracle', 'host-drops-only-ballooned', 'counters-match', 'isolation', 'floors-and-targets', 'progress'),
  'virtualbox-bad-requests-change-nothing': ['hostile'],
  'virtualbox-requests-well-formed': ['driver-change'],
  'virtualbox-counters-match': ['actual-written'],
  'virtualbox-zero-page': ['chunk-inflated'],
  'virtualbox-convergence': ['target-nonzero'],
  'virtualbox-command-contract': ['any-step'],
  'conformance': ['any-step'],
};

export const vboxReach: ReachCatalogue<VboxSystemConfig> = {
  situations: ALL,
  work: WORK,
  counter(config, hit) {
    const chains = new ChainTracker(config.guests.length, hit, CHAINS);
    const world = new WorldWorkCounter(config.guests.length, hit, at, CODES);
    const layout = new LayoutCounter(config, hit, at, 64);
    const laidOut = layout.any;
    const space = config.guests.map(gpfnSpace);
    const onGpfns = (guest: number, gpfns: readonly number[], e: number) => {
      const top = space[guest] ?? 0;
      for (const n of gpfns) if (Number.isInteger(n) && n >= 0 && n < top) chains.event(guest, n, e);
    };
    return {
      step(ctx: StepContext) {
        const command = ctx.command as unknown as VboxCommand;
        const result = ctx.result as unknown as VboxStepResult;
        chains.beginStep(ctx.index);
        world.step(ctx, 0);
        if (laidOut) layout.step(ctx);
        for (const e of result.effects) {
          switch (e.kind) {
            case 'change-balloon':
              if (e.rc !== 'VINF_SUCCESS') hit[L[`rc:${e.rc}`]] = 1;
              if (!e.aligned) hit[L['unaligned-request']] = 1;
              if (e.origin === 'hostile') { onGpfns(e.guest, e.gpfns, EV.hostile); break; }
              hit[L['driver-change']] = 1;
              if (e.rc !== 'VINF_SUCCESS') break;
              if (e.queued) hit[L['change-queued']] = 1;
              hit[L[e.inflate ? 'chunk-inflated' : 'chunk-deflated']] = 1;
              // The request the host took, queued or not: its pages are the balloon's from here (a queued one is Inflating).
              onGpfns(e.guest, e.gpfns, e.inflate ? EV.inflate : EV.deflate);
              break;
            case 'balloon-applied': hit[L['change-applied']] = 1; break;
            case 'get-balloon-req': {
              const g = config.guests[e.guest];
              if (!e.accepted) hit[L['wanted-above-max']] = 1;
              else if (g && e.wanted === maxChunksOf(g, config.chunkPages)) hit[L['wanted-at-max']] = 1;
              break;
            }
            case 'out-of-puff': hit[L['out-of-puff']] = 1; break;
            case 'session':
              if (e.step === 'closing' && ctx.before.ballooned > 0) hit[L['closed-with-balloon']] = 1;
              if (e.step === 'closed') { hit[L['session-closed']] = 1; chains.reset(e.guest); }
              break;
            case 'wrote': if (command.kind === 'write') chains.event(e.guest, e.gpfn, EV.write); break;
            case 'pages-freed': if (command.kind === 'free') onGpfns(e.guest, e.gpfns, EV.free); break;
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
