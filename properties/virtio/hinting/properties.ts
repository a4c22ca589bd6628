/**
 * The properties of free page hinting (VIRTIO 1.2 5.5.6.5), as named data with one runner
 * (./run.ts). None knows a seeded fault: each states a statement of the spec (or the guest's own
 * data oracle) on the effects and the observation, so a system that does nothing is held to them
 * as much as one that hints.
 */
import { createActor } from 'xstate';
import {
  CMD_ID_DONE, CMD_ID_MIN, FREE_FILL, HintPage, type HintCommand, type HintConfig, type HintObservation, type HintStepResult,
} from '../../../core/virtio/hinting.ts';
import { brokenHintRule, governingHintRules, type HintEvent, type HintModelContext } from '../../../model/virtio/hinting-rules.ts';
import { formatHintEvent, hintMachine, hintStepEvents } from '../../../model/virtio/hinting-machine.ts';

export interface HintStep { command: HintCommand; result: HintStepResult; obs: HintObservation; index: number }
export interface HintViolation { message: string; gpfn?: number }
export interface HintMonitor { step(s: HintStep): HintViolation | null }

export interface HintProperty {
  name: string;
  kind: 'always';
  doc: string;
  refs: string;
  monitor(config: HintConfig): HintMonitor;
}

const hex = (v: number) => `0x${(v >>> 0).toString(16)}`;

/** Lockstep with the chart: every event allowed by its rules, and the chart's counts match the observation. */
export const hintChart: HintProperty = {
  name: 'hint-chart',
  kind: 'always',
  doc: 'every hinting event is allowed by the chart (model/virtio/hinting-machine.ts) in its state, and the chart\'s command id, page counts and queue match the observation',
  refs: 'VIRTIO 1.2 5.5.6.5.1 and 5.5.6.5.2, statements 37, 38, 39, 40, 41, 42, 43, 46, 48 and 49 (docs/virtio-spec.md); the rule sets of model/virtio/hinting-rules.ts',
  monitor(config) {
    const actor = createActor(hintMachine, { input: config }).start();
    return {
      step({ command, result, obs, index }) {
        for (const e of hintStepEvents(command, result)) {
          const before = actor.getSnapshot();
          actor.send(e);
          const after = actor.getSnapshot();
          if (after === before && hintMachine.getTransitionData(before as never, e as never).length === 0) {
            return { message: `step ${index}: ${formatHintEvent(e)} is not allowed in [${JSON.stringify(before.value)}]: ${explain(before.context, e)}` };
          }
        }
        return compare(actor.getSnapshot().context, obs, index);
      },
    };
  },
};

/** Why the hinting chart refuses `e` in `c`: the first broken rule's words. */
export function explain(c: HintModelContext, e: HintEvent): string {
  for (const set of governingHintRules(c, e)) {
    const r = brokenHintRule(set, c, e);
    if (r) return r.says;
  }
  return 'no transition of that state takes it (VIRTIO 1.2 5.5.6.5 order of operations)';
}

/** The chart's command id, page counts and queue against the observation's. */
export function compare(c: HintModelContext, obs: HintObservation, index: number): HintViolation | null {
  const n = [0, 0, 0];
  for (const s of obs.state) n[s]++;
  const diffs: string[] = [];
  if (obs.cmdId !== c.cmdId) diffs.push(`free_page_hint_cmd_id: implementation ${obs.cmdId}, chart ${c.cmdId}`);
  if (n[HintPage.Free] !== c.free) diffs.push(`free pages: implementation ${n[HintPage.Free]}, chart ${c.free}`);
  if (n[HintPage.Used] !== c.used) diffs.push(`used pages: implementation ${n[HintPage.Used]}, chart ${c.used}`);
  if (n[HintPage.Hinted] !== c.hinted) diffs.push(`hinted pages: implementation ${n[HintPage.Hinted]}, chart ${c.hinted}`);
  if (obs.queued.length !== c.queue.length) diffs.push(`buffers on free_page_vq: implementation ${obs.queued.length}, chart ${c.queue.length}`);
  return diffs.length === 0 ? null : { message: `step ${index}: the observation differs from the chart: ${diffs.join('; ')}` };
}

/**
 * The guest's data oracle with hinting: a read returns what the guest last wrote, and a page the
 * allocator hands out holds the free fill (Linux page poisoning or init_on_free checks it). A
 * hinted page's content is the device's to drop until DONE (statement 44), so every page the
 * driver gives back must be filled again on its way to the free list (statement 45 before DONE;
 * after DONE through the same free path).
 */
export const hintDataOracle: HintProperty = {
  name: 'hint-data-oracle',
  kind: 'always',
  doc: 'a read returns the last value the guest wrote, and every page the allocator hands out holds the free fill, hinted pages included once given back',
  refs: 'VIRTIO 1.2 5.5.6.5.1, statements 44 and 45 (docs/virtio-spec.md); Linux mm/page_poison.c check_poison_mem; docs/INVARIANTS.md data oracle',
  monitor(config) {
    const expected = new Array<number>(config.pages).fill(FREE_FILL);
    return {
      step({ result, index }) {
        for (const e of result.effects) {
          if (e.kind === 'wrote') expected[e.gpfn] = e.value;
          if (e.kind === 'allocated' && e.found !== FREE_FILL) {
            return { gpfn: e.gpfn, message: `step ${index}: gpfn ${e.gpfn} held ${hex(e.found)} when the allocator handed it out, not the free fill ${hex(FREE_FILL)} (a hinted page is uninitialised to the driver and must be filled before it is free again: 5.5.6.5.1 statements 44, 45)` };
          }
          if (e.kind === 'allocated') expected[e.gpfn] = e.found;
          if (e.kind === 'read' && e.value !== expected[e.gpfn]) {
            return { gpfn: e.gpfn, message: `step ${index}: gpfn ${e.gpfn} read ${hex(e.value)}, but the guest last wrote ${hex(expected[e.gpfn])} there` };
          }
        }
        return null;
      },
    };
  },
};

/**
 * What the device may do to a page's content: change it only if the driver hinted it under the
 * current command id, in a buffer after that id's own (statement 49: pages with another id are
 * ignored), and the guest has not written it since the id was issued (statement 50), and never
 * after it wrote DONE (statement 51). The property keeps its own view of the queue, so which id a
 * page buffer came under is the order the driver queued them in, not what the device says.
 */
export const hintDeviceDrops: HintProperty = {
  name: 'hint-device-drops',
  kind: 'always',
  doc: 'the device changes a page only if it was hinted under the current command id, not written since that id was issued, and DONE has not been written since',
  refs: 'VIRTIO 1.2 5.5.6.5.2, statements 49, 50 and 51 (docs/virtio-spec.md); QEMU get_free_page_hints, virtio_balloon_free_page_done',
  monitor() {
    let current = -1;
    let done = false;
    let started = false;
    /** The id of the last command-id buffer (2 or more) the driver queued. */
    let lastQueuedId = -1;
    /** Per buffer id: the id its pages came under, or the id it carries. */
    const bufs = new Map<number, { kind: 'cmd' | 'pages'; id: number }>();
    const eligible = new Set<number>();
    const written = new Set<number>();
    return {
      step({ result, index }) {
        for (const e of result.effects) {
          switch (e.kind) {
            case 'cmd-id-set':
              if (e.cmdId >= CMD_ID_MIN) { current = e.cmdId; done = false; started = false; eligible.clear(); written.clear(); }
              if (e.cmdId === CMD_ID_DONE) done = true;
              break;
            case 'hint-queued':
              if (e.buffer.kind === 'cmd') {
                if (e.buffer.cmdId >= CMD_ID_MIN) lastQueuedId = e.buffer.cmdId;
                bufs.set(e.buffer.id, { kind: 'cmd', id: e.buffer.cmdId });
              } else bufs.set(e.buffer.id, { kind: 'pages', id: lastQueuedId });
              break;
            case 'hint-processed': {
              const b = bufs.get(e.id);
              bufs.delete(e.id);
              if (!b) break;
              if (b.kind === 'cmd' && b.id === current && !done) started = true;
              if (b.kind === 'pages' && started && b.id === current && !done) for (const p of [...e.taken, ...e.ignored]) eligible.add(p);
              break;
            }
            case 'wrote': written.add(e.gpfn); break;
            case 'page-dropped': {
              const p = e.gpfn;
              const why = done ? 'after it wrote DONE (5.5.6.5.2 statement 51)'
                : !eligible.has(p) ? `though it was not hinted under the current command id ${current} after that id's buffer (5.5.6.5.2 statement 49)`
                : written.has(p) ? `though the guest wrote it after command id ${current} was issued (5.5.6.5.2 statement 50)` : null;
              if (why) return { gpfn: p, message: `step ${index}: the device changed gpfn ${p} ${why}` };
              break;
            }
            default: break;
          }
        }
        return null;
      },
    };
  },
};

/** The properties on the protocol and the pages; run.ts adds the command contract. */
export const HINT_STATE_PROPERTIES: readonly HintProperty[] = [hintChart, hintDataOracle, hintDeviceDrops];

