/**
 * Hyper-V's situation catalogue (issue 22; properties/reach/situation.ts): ordered chains of a
 * page taken into the balloon by the driver ("inflate": hv_balloon.c alloc_balloon_pages, for a
 * BALLOON_RESPONSE), a page out of it ("deflate": an UNBALLOON_REQUEST handled, free_balloon_pages;
 * or pages of a response that failed to send, given back), a guest write and free, and a hostile
 * host message naming the page, on one gpfn (Hyper-V gives memory back in 4 KiB pages: host
 * pages of one gpfn, so the chains a gpfn's states forbid are marked unreachable with the reason;
 * the protocol has no reset, so every chain with one is too); the limits of the protocol
 * (multi-part exchanges, full messages, the fall-back to single pages, a failed send, a rejected
 * version, hot-add and offlining, the floor); each refusal code; the work of each property.
 */
import { gpfnSpace } from '../../core/index.ts';
import { HV_ERROR_CODES, rangePages, type HvCommand, type HvRange, type HvStepResult, type HvSystemConfig } from '../../core/hyperv/index.ts';
import type { StepContext } from '../property.ts';
import { chainSituations, ChainTracker, EV, gpfnObstacle } from '../reach/chains.ts';
import { situationIndex, type ReachCatalogue, type Situation } from '../reach/situation.ts';
import { LayoutCounter, layoutSituations, wireTopSituation } from '../reach/layout.ts';
import { errorSituations, sharedWork, worldWork, WorldWorkCounter } from '../reach/world.ts';

const NO_RESET = 'Hyper-V\'s dynamic-memory protocol has no reset: a VM restart opens a new channel with a new guest (core/hyperv/commands.ts has no reset command; docs/families/hyperv.md)';

const LIMITS: readonly Situation[] = [
  { name: 'response-multi-part', group: 'limit', doc: 'the driver answered one BALLOON_REQUEST in several BALLOON_RESPONSEs (more_pages: alloc_balloon_pages fills one 4 KiB message at a time)' },
  { name: 'unballoon-multi-part', group: 'limit', doc: 'the host sent an UNBALLOON_REQUEST in several parts (more_pages; balloon_down handles each)' },
  { name: 'ranges-full', group: 'limit', doc: 'a BALLOON_RESPONSE carried a whole message of ranges (rangesPerMessage)' },
  { name: 'single-page-fallback', group: 'limit', doc: 'a BALLOON_RESPONSE carried a range shorter than the big unit (balloon_up falls back to one page when no 2 MiB block is free)' },
  { name: 'floor-cut', group: 'limit', doc: 'the driver ballooned fewer pages than the host asked (balloon_up cuts the request above compute_balloon_floor)' },
  { name: 'send-failed', group: 'limit', doc: 'a response failed to send and its pages went back to the guest (balloon_up: free_balloon_pages after vmbus_sendpacket failed)' },
  { name: 'version-rejected', group: 'limit', doc: 'the host rejected a protocol version and the driver proposed the next (dm_version_response)' },
  { name: 'hot-added', group: 'limit', doc: 'hot-added pages came online (hot_add_req, hv_online_page)' },
  { name: 'offlined', group: 'limit', doc: 'the guest took hot-added memory offline (hv_memory_notifier MEM_OFFLINE)' },
  { name: 'abandoned', group: 'limit', doc: 'the host gave up a transaction of which nothing was left on the channel' },
  { name: 'target-zero', group: 'limit', doc: 'the host asked for a guest of 0 pages of balloon' },
  { name: 'target-past-ram', group: 'limit', doc: 'the host asked for a balloon bigger than the guest\'s memory (clamped)' },
];

const NEVER: Record<string, string> = {
  'hv/no-request': 'the runner fills in every hostile message (properties/hyperv/hostile.ts); only a hand-edited trace lacks one',
  'guest/unknown': 'the workload names only guests of the configuration (properties/hyperv/workload.ts)',
};

const OWN_WORK: readonly Situation[] = [
  { name: 'driver-ballooned', group: 'work', doc: 'the driver took pages into the balloon (floors)' },
  { name: 'driver-sent', group: 'work', doc: 'the driver sent a message (requests well formed)' },
  { name: 'host-request', group: 'work', doc: 'the host opened a transaction (BALLOON_REQUEST, UNBALLOON_REQUEST, HOT_ADD_REQUEST)' },
  { name: 'status-sent', group: 'work', doc: 'the driver sent a STATUS_REPORT (post_status)' },
];

const ALL: readonly Situation[] = [
  ...chainSituations(gpfnObstacle({ reset: 'never', why: NO_RESET })), ...LIMITS, ...errorSituations(HV_ERROR_CODES, NEVER),
  ...worldWork({ reset: NO_RESET }), ...OWN_WORK,
  // Layouts of real machines (properties/reach/layout.ts), in their own block: union dm_mem_page_range carries a 40-bit
  // start page (hv_balloon.c), so the top bit of the wire is 2^39.
  ...layoutSituations(40), wireTopSituation(40),
];
const at = situationIndex(ALL);
const CHAINS = at('inflate>inflate');
const L = Object.fromEntries([...LIMITS, ...OWN_WORK].map((s) => [s.name, at(s.name)]));
const CODES = Object.keys(HV_ERROR_CODES);

/** What gives each Hyper-V property something to check (properties/hyperv/list.ts, properties/safety/). */
const WORK: Record<string, readonly string[]> = {
  ...sharedWork('no-double-mapping', 'frames-conserved', 'data-oracle', 'isolation'),
  'hv-counters-match': ['actual-written'],
  'hv-balloon-pages-untouched': ['touch-with-balloon'],
  'hv-floors': ['driver-ballooned'],
  'hv-bad-requests-change-nothing': ['hostile'],
  'hv-requests-well-formed': ['driver-sent'],
  'hv-transactions': ['host-request'],
  'hv-status-committed': ['status-sent'],
  'hv-progress': ['target-nonzero'],
  'hv-command-contract': ['any-step'],
  'conformance': ['any-step'],
};

export const hvReach: ReachCatalogue<HvSystemConfig> = {
  situations: ALL,
  work: WORK,
  counter(config, hit) {
    const chains = new ChainTracker(config.guests.length, hit, CHAINS);
    const world = new WorldWorkCounter(config.guests.length, hit, at, CODES);
    const layout = new LayoutCounter(config, hit, at, 40);
    const laidOut = layout.any;
    const space = config.guests.map(gpfnSpace);
    /** Pages asked by the open BALLOON_REQUEST and answered so far, per guest. */
    const asked = config.guests.map(() => ({ pages: 0, got: 0 }));
    const onGpfns = (guest: number, gpfns: readonly number[], e: number) => {
      const top = space[guest] ?? 0;
      for (const n of gpfns) if (Number.isInteger(n) && n >= 0 && n < top) chains.event(guest, n, e);
    };
    // Only the part of a range inside the guest's space: a hostile range may be huge or far out.
    const onRanges = (guest: number, ranges: readonly HvRange[], e: number) => {
      const top = space[guest] ?? 0;
      for (const r of ranges) for (let n = Math.max(0, r.start); n < Math.min(top, r.start + r.count); n++) chains.event(guest, n, e);
    };
    return {
      step(ctx: StepContext) {
        const command = ctx.command as unknown as HvCommand;
        const result = ctx.result as unknown as HvStepResult;
        chains.beginStep(ctx.index);
        world.step(ctx, 0);
        if (laidOut) layout.step(ctx);
        for (const e of result.effects) {
          switch (e.kind) {
            case 'hv-sent': {
              const m = e.msg;
              if (e.from === 'guest') {
                hit[L['driver-sent']] = 1;
                if (m.type === 'status') hit[L['status-sent']] = 1;
                if (m.type === 'balloon-response' && e.sent) {
                  if (m.more) hit[L['response-multi-part']] = 1;
                  if (m.ranges.length >= config.rangesPerMessage) hit[L['ranges-full']] = 1;
                  if (config.allocUnit > 1 && m.ranges.some((r) => r.count < config.allocUnit)) hit[L['single-page-fallback']] = 1;
                  const a = asked[e.guest];
                  if (a) { a.got += rangePages(m.ranges); if (!m.more && a.got < a.pages) hit[L['floor-cut']] = 1; }
                }
              } else {
                if (m.type === 'balloon-request' || m.type === 'unballoon-request' || m.type === 'hot-add-request') hit[L['host-request']] = 1;
                if (m.type === 'unballoon-request' && m.more) hit[L['unballoon-multi-part']] = 1;
                if (m.type === 'version-response' && !m.accepted) hit[L['version-rejected']] = 1;
                if (m.type === 'balloon-request') asked[e.guest] = { pages: m.pages, got: 0 };
              }
              break;
            }
            case 'hv-handled':
              if (e.refused) world.refusal(e.refused);
              if (!e.hostile) break;
              if (e.msg.type === 'unballoon-request') onRanges(e.guest, e.msg.ranges, EV.hostile);
              else if (e.msg.type === 'hot-add-request') onRanges(e.guest, [e.msg.range], EV.hostile);
              break;
            case 'hv-ballooned': hit[L['driver-ballooned']] = 1; onGpfns(e.guest, e.gpfns, EV.inflate); break;
            case 'hv-returned': hit[L['send-failed']] = 1; onGpfns(e.guest, e.gpfns, EV.deflate); break;
            case 'hv-unballooned': onGpfns(e.guest, e.gpfns, EV.deflate); break;
            case 'hv-onlined': hit[L['hot-added']] = 1; break;
            case 'hv-offlined': hit[L.offlined] = 1; break;
            case 'hv-abandoned': hit[L.abandoned] = 1; break;
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
