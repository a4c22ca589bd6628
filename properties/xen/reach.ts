/**
 * Xen's situation catalogue (issue 22; properties/reach/situation.ts): ordered chains of a
 * balloon-down (decrease_reservation by the driver: "inflate"), a balloon-up (populate_physmap:
 * "deflate"), a reboot, a guest write and free, and a hostile memory op on one gpfn (Xen's host
 * pages are one gpfn, so the chains a gpfn's states forbid are marked unreachable with the
 * reason); the limits of balloon.c and memory.c; each refusal code; the work of each property.
 */
import { XEN_ERROR_CODES, xenInitialPages, type XenCommand, type XenStepResult, type XenSystemConfig } from '../../core/xen/index.ts';
import type { StepContext } from '../property.ts';
import { chainSituations, ChainTracker, EV, singleGpfnObstacle } from '../reach/chains.ts';
import { situationIndex, type ReachCatalogue, type Situation } from '../reach/situation.ts';
import { errorSituations, WORLD_WORK, WorldWorkCounter } from '../reach/world.ts';
import { LayoutCounter, layoutSituations } from '../reach/layout.ts';

const LIMITS: readonly Situation[] = [
  {
    name: 'batch-full', group: 'limit', doc: 'a pass hands Xen a whole batch, one page of xen_pfn_t (balloon.c frame_list)',
    unreachable: 'the check\'s domains hold fewer pages than a batch of 512 (properties/xen/workload.ts xenCheckConfig)',
  },
  { name: 'populate-short', group: 'limit', doc: 'Xen populated fewer gpfns than the driver asked (balloon.c increase_reservation: only rc pages leave the list)' },
  { name: 'pass-eagain', group: 'limit', doc: 'a pass ended in EAGAIN (balloon.c update_schedule: retry with a doubled delay)' },
  { name: 'delay-at-cap', group: 'limit', doc: 'the back-off delay reached max_schedule_delay (update_schedule)' },
  { name: 'thread-cancelled', group: 'limit', doc: 'the retries ran out and the action was cancelled (ECANCELED; "xen/balloon: fix cancelled balloon action", 2021)' },
  { name: 'cancelled-woken', group: 'limit', doc: 'a cancelled thread ran a pass again (its credit changed or its hour passed: balloon_thread_cond)' },
  { name: 'hour-tick', group: 'limit', doc: 'a whole hour passed in one tick (the 3600 s sleep of DONE and ECANCELED)' },
  { name: 'target-zero', group: 'limit', doc: 'the toolstack asked for a domain of 0 pages' },
  { name: 'target-past-ram', group: 'limit', doc: 'the toolstack asked for more than maxmem, clamped' },
  { name: 'current-at-floor', group: 'limit', doc: 'ballooning took current_pages down to the floor (XSA-300: si_mem_available bounds a balloon-down step)' },
  { name: 'preempt-asked', group: 'limit', doc: 'a driver op ran with a preemption pending (memory.c hypercall continuations; 79de2d31f1)' },
  { name: 'pod-backed', group: 'limit', doc: 'a touch backed a PoD entry from the cache (p2m-pod.c p2m_pod_demand_populate)' },
  { name: 'pv-decrease', group: 'limit', doc: 'a PV guest ballooned down, invalidating its own p2m (balloon.c decrease_reservation)' },
  { name: 'lent', group: 'limit', doc: 'a backend borrowed ballooned pages (xen_alloc_ballooned_pages)' },
];

const NEVER: Record<string, string> = {
  'xen/no-request': 'the runner fills in every hostile request (properties/xen/hostile.ts); only a hand-edited trace lacks one',
  'guest/unknown': 'the workload names only domains of the configuration (properties/xen/workload.ts)',
};

const OWN_WORK: readonly Situation[] = [
  { name: 'driver-op', group: 'work', doc: 'the balloon thread issued a memory op (requests well formed)' },
  { name: 'driver-decrease', group: 'work', doc: 'the balloon thread gave pages back (floors)' },
  { name: 'pass-ran', group: 'work', doc: 'the balloon thread ran a pass (back-off)' },
];

const ALL: readonly Situation[] = [
  ...chainSituations(singleGpfnObstacle), ...LIMITS, ...errorSituations(XEN_ERROR_CODES, NEVER), ...WORLD_WORK, ...OWN_WORK,
  // Layouts of real machines (properties/reach/layout.ts): extents are 64-bit xen_pfn_t.
  ...layoutSituations(64),
];
const at = situationIndex(ALL);
const CHAINS = at('inflate>inflate');
const L = Object.fromEntries([...LIMITS, ...OWN_WORK].map((s) => [s.name, at(s.name)]));
const CODES = Object.keys(XEN_ERROR_CODES);

/** What gives each Xen property something to check (properties/xen/, properties/safety/). */
const WORK: Record<string, readonly string[]> = {
  'no-double-mapping': ['frame-mapped', 'frame-released'],
  'data-oracle': ['read-after-write'],
  'isolation': ['two-guests'],
  'xen-frames': ['frame-mapped', 'frame-released'],
  'xen-counters-match': ['actual-written'],
  'xen-balloon-pages-untouched': ['touch-with-balloon'],
  'xen-floors': ['driver-decrease'],
  'xen-bad-requests-change-nothing': ['hostile'],
  'xen-pv-p2m-agrees': ['pv-decrease'],
  'xen-requests-well-formed': ['driver-op'],
  'xen-backs-off': ['pass-eagain'],
  'xen-progress': ['target-nonzero'],
  'xen-command-contract': ['any-step'],
  'conformance': ['any-step'],
};

export const xenReach: ReachCatalogue<XenSystemConfig> = {
  situations: ALL,
  work: WORK,
  counter(config, hit) {
    const chains = new ChainTracker(config.guests.length, hit, CHAINS);
    const world = new WorldWorkCounter(config.guests.length, hit, at, CODES);
    const layout = new LayoutCounter(config, hit, at);
    const laidOut = layout.any;
    const initial = config.guests.map(xenInitialPages);
    const onGpfns = (guest: number, gpfns: readonly number[], e: number) => {
      const g = config.guests[guest];
      const space = g ? g.ramPages + g.holePages : 0;
      for (const n of gpfns) if (Number.isInteger(n) && n >= 0 && n < space) chains.event(guest, n, e);
    };
    return {
      step(ctx: StepContext) {
        const command = ctx.command as unknown as XenCommand;
        const result = ctx.result as unknown as XenStepResult;
        chains.beginStep(ctx.index);
        world.step(ctx, initial[command.guest] ?? 0);
        if (laidOut) layout.step(ctx);
        const gc = config.guests[command.guest];
        if (command.kind === 'tick' && command.seconds === 3600 && result.outcome === 'accepted') hit[L['hour-tick']] = 1;
        for (const e of result.effects) {
          switch (e.kind) {
            case 'hypercall':
              for (const r of e.refused) world.refusal(r.code);
              if (e.origin === 'hostile') { onGpfns(e.guest, e.gpfns, EV.hostile); break; }
              if (e.origin !== 'driver') break;
              hit[L['driver-op']] = 1;
              if (e.gpfns.length === config.batchGpfns) hit[L['batch-full']] = 1;
              if (command.kind === 'thread' && command.preempt) hit[L['preempt-asked']] = 1;
              if (e.op === 'decrease') {
                hit[L['driver-decrease']] = 1;
                if (config.guests[e.guest]?.mode === 'pv') hit[L['pv-decrease']] = 1;
              } else if (e.done < e.gpfns.length) hit[L['populate-short']] = 1;
              // Only the extents Xen did: the rest never changed hands.
              onGpfns(e.guest, e.gpfns.slice(0, e.done), e.op === 'decrease' ? EV.inflate : EV.deflate);
              break;
            case 'balloon-pass':
              if (!e.ran) break;
              hit[L['pass-ran']] = 1;
              if (e.after === 'eagain') hit[L['pass-eagain']] = 1;
              if (e.delay === config.maxDelay) hit[L['delay-at-cap']] = 1;
              if (e.after === 'ecanceled' && e.before !== 'ecanceled') hit[L['thread-cancelled']] = 1;
              if (e.before === 'ecanceled') hit[L['cancelled-woken']] = 1;
              break;
            case 'wrote': if (command.kind === 'write') chains.event(e.guest, e.gpfn, EV.write); break;
            case 'pages-freed': if (command.kind === 'free') onGpfns(e.guest, e.gpfns, EV.free); break;
            case 'reset': chains.reset(e.guest); break;
            case 'lent': hit[L.lent] = 1; break;
            case 'target-set':
              if (e.requested > e.target) hit[L['target-past-ram']] = 1;
              if (e.target === 0) hit[L['target-zero']] = 1;
              break;
            default: break;
          }
        }
        const g = ctx.obs.guests[command.guest] as unknown as { actual: number; xen: { podEntries: number } } | undefined;
        if (gc && g) {
          if (gc.floorPages > 0 && g.actual === gc.floorPages && ctx.before.actual > g.actual) hit[L['current-at-floor']] = 1;
          const b = ctx.before as unknown as { podEntries: number };
          if ((command.kind === 'alloc' || command.kind === 'write') && g.xen.podEntries < b.podEntries) hit[L['pod-backed']] = 1;
        }
      },
    };
  },
};
