/**
 * virtio-balloon's situation catalogue (issue 22; properties/reach/situation.ts): ordered chains
 * of inflate, deflate, reset, write, free and hostile requests on one host page, the size limits
 * of VIRTIO 1.x 5.5.6 and the Linux driver, each refusal code, and the work of each property.
 */
import { ERROR_CODES, profileOf, reportOrderOf, type Command, type StepResult, type SystemConfig } from '../../core/virtio/index.ts';
import type { StepContext } from '../property.ts';
import { chainSituations, ChainTracker, EV, multiGpfnObstacle } from '../reach/chains.ts';
import { situationIndex, type ReachCatalogue, type Situation } from '../reach/situation.ts';
import { errorSituations, WORLD_WORK, WorldWorkCounter } from '../reach/world.ts';
import { LayoutCounter, layoutSituations } from '../reach/layout.ts';

const LIMITS: readonly Situation[] = [
  { name: 'batch-full', group: 'limit', doc: 'the driver queued a buffer of exactly the batch limit (Linux VIRTIO_BALLOON_ARRAY_PFNS_MAX; the device\'s batch limit)' },
  { name: 'target-zero', group: 'limit', doc: 'the host asked for an empty balloon after asking for more (5.5.6: num_pages 0)' },
  { name: 'target-past-ram', group: 'limit', doc: 'the host asked for more than the guest\'s memory, clamped (QEMU virtio_balloon_to_target clamps to RAM)' },
  { name: 'target-unaligned', group: 'limit', doc: 'a target that is not a whole guest page on a 64 KiB guest (the Linux arm64 bug of 2023)' },
  { name: 'balloon-at-floor', group: 'limit', doc: 'the balloon reached what the guest can spare, RAM less its floor (invariant 10; XSA-300 in Xen\'s words)' },
  { name: 'out-of-puff', group: 'limit', doc: 'the driver found no free page to inflate (Linux fill_balloon: balloon_page_alloc fails)' },
  { name: 'oom-deflate', group: 'limit', doc: 'the driver deflated for an OOM (VIRTIO_BALLOON_F_DEFLATE_ON_OOM, Linux virtio_balloon_oom_notify)' },
  { name: 'partial-host-page', group: 'limit', doc: 'an inflate buffer covered part of a host page only (QEMU balloon_inflate_page: a partly ballooned host page is kept, not discarded)' },
  { name: 'assigned-device-inflate', group: 'limit', doc: 'an inflate on a guest with an assigned device (QEMU: no discard while a device may DMA)' },
];

/** Refusal codes the virtio workload never causes, and why. */
const NEVER: Record<string, string> = {
  'balloon/gpfn-duplicate': 'every hostile buffer is built so that a correct device refuses every entry (properties/hostile.ts); a second copy of a gpfn is refused as a duplicate only after the first was accepted, and the duplicate request repeats gpfns already ballooned, which are refused as such first',
  'device/no-buffer': 'the runner fills in every hostile buffer (properties/hostile.ts); only a hand-edited trace lacks one',
  'guest/unknown': 'the workload names only guests of the configuration (properties/workload.ts)',
};

const SITUATIONS: readonly Situation[] = [...chainSituations(multiGpfnObstacle), ...LIMITS, ...errorSituations(ERROR_CODES, NEVER), ...WORLD_WORK];
const at = situationIndex(SITUATIONS);
const CHAINS = at('inflate>inflate');
const L = Object.fromEntries(LIMITS.map((s) => [s.name, at(s.name)]));
const CODES = Object.keys(ERROR_CODES);

/**
 * What gives each property something to check: its effects of interest (properties/safety/,
 * properties/liveness/), as situations.
 */
const WORK: Record<string, readonly string[]> = {
  'no-double-mapping': ['frame-mapped', 'frame-released'],
  'frames-conserved': ['frame-mapped', 'frame-released'],
  'balloon-pages-untouched': ['touch-with-balloon'],
  'data-oracle': ['read-after-write'],
  'host-drops-only-ballooned': ['frame-released'],
  'requests-well-formed': ['driver-buffer'],
  'counters-match': ['actual-written'],
  'bad-requests-change-nothing': ['hostile'],
  'deflate-only-when-asked': ['driver-deflate'],
  'isolation': ['two-guests'],
  'floors-and-targets': ['driver-buffer', 'target-nonzero'],
  'convergence': ['target-nonzero'],
  'progress': ['driver-buffer'],
  'reconvergence': ['reset'],
  'conformance': ['any-step'],
  'command-contract': ['any-step'],
  'effects-agree': ['frame-released', 'driver-buffer', 'touch-with-balloon', 'read-after-write'],
  'purpose': ['target-nonzero'],
  'reported-pages-kept': ['poison-checked'],
  'stats-posted': ['stats-used'],
  // A narrowing of the linux and firecracker profiles for guests with a report order above 0: elsewhere it asks nothing.
  'report-blocks': ['ordered-report'],
  // Both judge a stats buffer's payload when the device uses it (the entries as written, the tags as
  // recorded): an implementation that shows no payload gives them nothing, and they are vacuous.
  'stats-entries': ['stats-payload'],
  'stats-recorded': ['stats-payload'],
  'hint-contract': ['hint-step'],
  'hint-data-oracle': ['hint-returned'],
  'hint-device-drops': ['hint-dropped'],
  'hint-follows-host': ['hint-host-ended'],
};

const OWN_WORK: readonly Situation[] = [
  { name: 'driver-buffer', group: 'work', doc: 'the driver queued an inflate or deflate buffer (requests well formed, progress)' },
  { name: 'driver-deflate', group: 'work', doc: 'the driver queued a deflate buffer (deflate only when asked)' },
  { name: 'poison-checked', group: 'work', doc: 'a guest under PAGE_POISON allocated pages and checked their poison (reported pages kept)' },
  { name: 'ordered-report', group: 'work', doc: 'the driver queued a free page report on a guest with a report order above 0, under the linux or firecracker profile (report blocks; statement 62)' },
  { name: 'stats-used', group: 'work', doc: 'the device used a stats buffer, so the driver must post another (stats posted)' },
  { name: 'stats-payload', group: 'work', doc: 'the device used a stats buffer and showed the entries it recorded from its payload (stats entries, stats recorded)' },
  // Free page hinting (VIRTIO 1.2 5.5.6.5) on a guest that negotiated FREE_PAGE_HINT.
  { name: 'hint-step', group: 'work', doc: 'a hinting step on a guest that negotiated FREE_PAGE_HINT (hint contract)' },
  { name: 'hint-taken', group: 'work', doc: 'the device took hinted pages in a started round (QEMU get_free_page_hints in START; 5.5.6.5.2)' },
  { name: 'hint-ignored', group: 'work', doc: 'the device ignored hinted pages sent outside a started round or under a stale id (5.5.6.5.2 statement 49)' },
  { name: 'hint-returned', group: 'work', doc: 'the driver gave hinted pages back, at DONE or early by its shrinker, which the data oracle then reads (statements 43-46)' },
  { name: 'hint-dropped', group: 'work', doc: 'the device dropped a hinted page it had not seen written since the id (statement 50; what the device may drop)' },
  { name: 'hint-host-ended', group: 'work', doc: 'the host said it can no longer use hints or no longer needs the pages (an accepted hint-stop or hint-done), whose command id the device must then show (statements 47, 52)' },
];

// Layouts of real machines (properties/reach/layout.ts): virtio's queues carry 32-bit pfns (VIRTIO 1.2 5.5.6).
const ALL: readonly Situation[] = [...SITUATIONS, ...OWN_WORK, ...layoutSituations(32)];
const atAll = situationIndex(ALL);
const DRIVER_BUFFER = atAll('driver-buffer');
const DRIVER_DEFLATE = atAll('driver-deflate');
const POISON_CHECKED = atAll('poison-checked');
const STATS_USED = atAll('stats-used');
const ORDERED_REPORT = atAll('ordered-report');
const STATS_PAYLOAD = atAll('stats-payload');
const HINT = { step: atAll('hint-step'), taken: atAll('hint-taken'), ignored: atAll('hint-ignored'), returned: atAll('hint-returned'), dropped: atAll('hint-dropped'), ended: atAll('hint-host-ended') };

export const virtioReach: ReachCatalogue<SystemConfig> = {
  situations: ALL,
  work: WORK,
  counter(config, hit) {
    const chains = new ChainTracker(config.guests.length, hit, CHAINS);
    const world = new WorldWorkCounter(config.guests.length, hit, atAll, CODES);
    const layout = new LayoutCounter(config, hit, atAll);
    const laidOut = layout.any;
    const hp = config.hostPageGpfns;
    const ordered = config.guests.map((g) => profileOf(config) !== 'spec' && reportOrderOf(g) > 0);
    const onPages = (guest: number, gpfns: readonly number[], e: number) => {
      const space = config.guests[guest] ? config.guests[guest].ramPages + config.guests[guest].holePages : 0;
      for (const n of gpfns) if (Number.isInteger(n) && n >= 0 && n < space) chains.event(guest, Math.floor(n / hp), e);
    };
    return {
      step(ctx: StepContext) {
        const command = ctx.command as Command;
        const result = ctx.result as StepResult;
        chains.beginStep(ctx.index);
        world.step(ctx, 0);
        if (laidOut) layout.step(ctx);
        const gc = config.guests[command.guest];
        if (command.kind === 'hostile' && command.gpfns) onPages(command.guest, command.gpfns, EV.hostile);
        for (const e of result.effects) {
          switch (e.kind) {
            case 'buffer-queued':
              if (e.queue === 'reporting' && e.origin !== 'hostile' && ordered[e.guest]) hit[ORDERED_REPORT] = 1;
              // A free page report is neither an inflate nor a deflate (VIRTIO 1.2 5.5.6.7): not a chain event.
              if (e.origin === 'hostile' || e.queue === 'stats' || e.queue === 'reporting') break;
              hit[DRIVER_BUFFER] = 1;
              if (e.gpfns.length === config.maxBatch) hit[L['batch-full']] = 1;
              if (e.queue === 'deflate') { hit[DRIVER_DEFLATE] = 1; if (e.origin === 'oom') hit[L['oom-deflate']] = 1; }
              if (e.queue === 'inflate') {
                if (hp > 1 && e.gpfns.length % hp !== 0) hit[L['partial-host-page']] = 1;
                if (config.guests[e.guest]?.assignedDevice) hit[L['assigned-device-inflate']] = 1;
              }
              onPages(e.guest, e.gpfns, e.queue === 'inflate' ? EV.inflate : EV.deflate);
              break;
            case 'buffer-processed':
              for (const r of e.refused) world.refusal(r.code);
              if (e.queue === 'stats') { hit[STATS_USED] = 1; if (e.stats !== undefined) hit[STATS_PAYLOAD] = 1; }
              break;
            case 'wrote':
              if (command.kind === 'write') chains.event(e.guest, Math.floor(e.gpfn / hp), EV.write);
              break;
            case 'pages-freed':
              // The guest program's frees only: the driver also hands deflated pages back to the allocator.
              if (command.kind === 'free') onPages(e.guest, e.gpfns, EV.free);
              break;
            case 'reset': chains.reset(e.guest); break;
            case 'poison-checked': if (e.gpfns.length > 0) hit[POISON_CHECKED] = 1; break;
            case 'hinting':
              hit[HINT.step] = 1;
              if (command.kind === 'hint' && result.outcome === 'accepted' && (command.op.kind === 'hint-stop' || command.op.kind === 'hint-done')) hit[HINT.ended] = 1;
              for (const h of e.effects) {
                if (h.kind === 'hint-processed' && h.taken.length > 0) hit[HINT.taken] = 1;
                if (h.kind === 'hint-processed' && h.ignored.length > 0) hit[HINT.ignored] = 1;
                if (h.kind === 'hints-returned' && h.gpfns.length > 0) hit[HINT.returned] = 1;
                if (h.kind === 'page-dropped') hit[HINT.dropped] = 1;
              }
              break;
            case 'out-of-puff': hit[L['out-of-puff']] = 1; break;
            case 'target-set':
              if (e.requested > e.target) hit[L['target-past-ram']] = 1;
              if (e.target === 0 && ctx.before.target > 0) hit[L['target-zero']] = 1;
              if (gc && gc.guestPageGpfns > 1 && e.target % gc.guestPageGpfns !== 0) hit[L['target-unaligned']] = 1;
              break;
            default: break;
          }
        }
        const g = ctx.obs.guests[command.guest];
        if (gc && g && gc.floorPages > 0 && g.counts.inflating + g.counts.ballooned + g.counts.deflating >= gc.ramPages - gc.floorPages) hit[L['balloon-at-floor']] = 1;
      },
    };
  },
};
