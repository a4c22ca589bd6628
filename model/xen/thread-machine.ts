/**
 * The guest's balloon thread (Linux drivers/xen/balloon.c balloon_thread) as a statechart. Its
 * states are enum bp_state after each pass (DONE, EAGAIN, ECANCELED); WAIT arises only from
 * memory hotplug, which is not modelled (docs/families/xen.md). A preempted hypercall is
 * continued by Xen before it returns (memory.c, hypercall continuations), so the guest never sees
 * one: a pass that reports a hypercall still hanging is a divergence. Every event is taken at
 * the root, judged by named rules
 * (model/xen/rules.ts) on the context; a PASS moves the chart to the state the pass ended in.
 */
import { assign, setup } from 'xstate';
import { initialThreadContext, type PassRecord, type XenThreadContext, type XenThreadInput } from './context.ts';
import type { XenEvent } from './events.ts';
import { allHold, passOutcome, THREAD_RULES, type ThreadRuleName } from './rules.ts';

type Ev<T extends XenEvent['type']> = Extract<XenEvent, { type: T }>;
type Args = { context: XenThreadContext; event: XenEvent };
const rule = (name: ThreadRuleName) => ({ context, event }: Args) => allHold(THREAD_RULES[name], context, event);

export const xenThreadMachine = setup({
  types: { context: {} as XenThreadContext, events: {} as XenEvent, input: {} as XenThreadInput },
  guards: {
    passEndsDone: rule('passEndsDone'),
    passEndsEagain: rule('passEndsEagain'),
    passEndsCancelled: rule('passEndsCancelled'),
    passSkipped: rule('passSkipped'),
    decreaseAsLinux: rule('decreaseAsLinux'),
    populateAsLinux: rule('populateAsLinux'),
    currentAccounted: rule('currentAccounted'),
    rebuilt: rule('rebuilt'),
    populatedToAllocator: rule('populatedToAllocator'),
    targetClamped: rule('targetClamped'),
    timeForward: rule('timeForward'),
    allocFits: rule('allocFits'),
    freeFits: rule('freeFits'),
    lendFits: rule('lendFits'),
    unlendFits: rule('unlendFits'),
    /** Hostile and other domains' ops are the hypervisor chart's. */
    notTheDriver: ({ event }: Args) => (event as Ev<'HYPERCALL'>).origin !== 'driver',
  },
  actions: {
    /** After a pass: the outcome, then sleep until the timeout or a change of credit. */
    finishPass: assign(({ context: c, event }) => {
      const o = passOutcome(c);
      const now = (event as Ev<'PASS'>).now;
      const t = o.state === 'eagain' ? o.delay : 3600;
      return {
        state: o.state, delay: o.delay, retries: o.retries, target: o.target, now, wakeAt: now + t,
        sleepCredit: o.state === 'done' ? 0 : o.target - c.current, pass: null as PassRecord | null,
      };
    }),
    decrease: assign(({ context: c, event }) => {
      const h = event as Ev<'HYPERCALL'>;
      return {
        free: c.free - h.asked, list: c.list + h.asked,
        pass: { credit: c.target - c.current, op: 'decrease' as const, asked: h.asked, done: h.done },
      };
    }),
    populate: assign(({ context: c, event }) => {
      const h = event as Ev<'HYPERCALL'>;
      return { pass: { credit: c.target - c.current, op: 'populate' as const, asked: h.asked, done: h.done } };
    }),
    setCurrent: assign(({ event }) => ({ current: (event as Ev<'CURRENT'>).actual, rebuilding: false })),
    toAllocator: assign(({ context: c, event }) => ({ list: c.list - (event as Ev<'POPULATED'>).size, free: c.free + (event as Ev<'POPULATED'>).size })),
    setTarget: assign(({ event }) => ({ target: (event as Ev<'TARGET_SET'>).target })),
    tick: assign(({ event }) => ({ now: (event as Ev<'TICK'>).now })),
    alloc: assign(({ context: c, event }) => ({ free: c.free - (event as Ev<'ALLOC'>).size, used: c.used + (event as Ev<'ALLOC'>).size })),
    free: assign(({ context: c, event }) => ({ free: c.free + (event as Ev<'FREE'>).size, used: c.used - (event as Ev<'FREE'>).size })),
    lend: assign(({ context: c, event }) => ({ list: c.list - (event as Ev<'LENT'>).size, lent: c.lent + (event as Ev<'LENT'>).size })),
    unlend: assign(({ context: c, event }) => ({ list: c.list + (event as Ev<'UNLENT'>).size, lent: c.lent - (event as Ev<'UNLENT'>).size })),
    /** xl reboot: every page the guest's again, the balloon empty, the thread fresh and due; the target stays. */
    rebuild: assign(({ context: c }) => ({
      current: c.ram, free: c.ram, used: 0, list: 0, lent: 0, pass: null,
      state: 'done' as const, delay: 1, retries: 1, wakeAt: c.now, sleepCredit: 0, rebuilding: true,
    })),
  },
}).createMachine({
  id: 'xen-thread',
  context: ({ input }) => initialThreadContext(input),
  initial: 'done',
  on: {
    PASS: [
      { guard: 'passSkipped' },
      { guard: 'passEndsDone', target: '.done', actions: 'finishPass' },
      { guard: 'passEndsEagain', target: '.eagain', actions: 'finishPass' },
      { guard: 'passEndsCancelled', target: '.ecanceled', actions: 'finishPass' },
    ],
    HYPERCALL: [
      { guard: 'notTheDriver' },
      { guard: 'decreaseAsLinux', actions: 'decrease' },
      { guard: 'populateAsLinux', actions: 'populate' },
    ],
    CURRENT: [
      { guard: 'rebuilt', actions: 'setCurrent' },
      { guard: 'currentAccounted', actions: 'setCurrent' },
    ],
    POPULATED: { guard: 'populatedToAllocator', actions: 'toAllocator' },
    TARGET_SET: { guard: 'targetClamped', actions: 'setTarget' },
    TICK: { guard: 'timeForward', actions: 'tick' },
    ALLOC: { guard: 'allocFits', actions: 'alloc' },
    FREE: { guard: 'freeFits', actions: 'free' },
    LENT: { guard: 'lendFits', actions: 'lend' },
    UNLENT: { guard: 'unlendFits', actions: 'unlend' },
    RESET: { target: '.done', actions: 'rebuild' },
    POD: {},
  },
  states: {
    done: {},
    eagain: {},
    ecanceled: {},
  },
});

export type XenThreadMachine = typeof xenThreadMachine;
