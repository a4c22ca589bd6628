/**
 * A chart's transitions compiled from its XState definition, for the campaign's conformance
 * monitors (issue 21): the same macrostep XState's `transition` runs (select the event's
 * transitions region by region, drop the conflicting ones, run their `assign`s, then the eventless
 * transitions until none is enabled), with everything that depends only on the configuration
 * (which state nodes are active) worked out once and kept: per configuration and event type the
 * candidate transitions in XState's order of selection, per configuration the eventless
 * candidates of each atomic state, and per configuration and set of enabled transitions the
 * transitions kept, their actions and the configuration after them. What is left per event is
 * the guards and the assignments on the context, which are the chart's own functions.
 *
 * The structural parts mirror XState 5's algorithm (raise-*.cjs.js: transitionNode, getCandidates,
 * removeConflictingTransitions, computeExitSet, computeEntrySet, getStateValue; StateNode.next;
 * macrostep, selectEventlessTransitions), restricted to what the charts of model/ use: no history
 * or final states, no entry, exit or initial actions, no invoked or spawned actors, no delays, no
 * wildcard events, no built-in guard combinators, every action an `assign`. `compileChart` checks
 * the definition for these and returns null when it finds anything else (the caller steps by
 * XState then). test/properties/chart-compiled.test.ts walks the charts at random beside a live
 * actor and requires the same state value (key order included), context and refusals.
 */
import type { Actor, AnyStateMachine, StateValue } from 'xstate';

/* eslint-disable @typescript-eslint/no-explicit-any -- XState's StateNode and TransitionDefinition internals, read as they are */
type Node = any;
type Transition = any;
type Ctx = Record<string, unknown>;
type Ev = { type: string };
type Guard = (c: Ctx, e: Ev) => boolean;
type Assign = (c: Ctx, e: Ev) => Ctx;

/** A snapshot of a compiled chart: what the monitors read of XState's (value, context, status). */
export interface CompiledSnapshot {
  readonly value: StateValue;
  readonly context: any;
  readonly status: 'active';
  /** The chart (XState's guards read it, so getTransitionData takes this snapshot too). */
  readonly machine: AnyStateMachine;
  /** The configuration (internal). */
  readonly conf: Conf;
}

interface Conf {
  /** Active state nodes in XState's `_nodes` order (the order the state value's keys follow). */
  nodes: Node[];
  set: Set<Node>;
  value: StateValue;
  /** Per event type: the selection plan (null: no candidate anywhere). */
  plans: Map<string, Plan | null>;
  /** Per atomic state, its eventless candidates and those of its ancestors, in XState's order. */
  eventless: Compiled[][] | null;
  /** Per enabled transition, or set of them (their ids): what the microstep does. */
  micro: Map<Compiled | string, Micro>;
}
interface Compiled { t: Transition; id: number; guard: Guard | null }
interface Plan { cands: Compiled[]; children: Plan[] }
interface Micro { actions: Assign[]; conf: Conf }

export interface CompiledChart {
  initial(input: unknown): CompiledSnapshot;
  /** One event: the next snapshot (null: the same one) and whether the chart refused it (as chart-step.ts). */
  step(before: CompiledSnapshot, e: Ev): { next: CompiledSnapshot | null; refused: boolean };
  /** Configurations in the chart's table now (at most `maxConfs`). */
  readonly confCount: number;
}

/**
 * Configurations a compiled chart keeps before its table starts over. A configuration is keyed by
 * its active nodes in XState's order, and that order depends on the history (a parallel region
 * re-entered moves to the end), so a long campaign keeps meeting new orders of the same states:
 * for the virtio guest chart, 2,022 configurations after 1,000 cases of `balloon check`'s
 * workload and 4,711 after 7,000, each with its plans and microsteps. Unbounded, that was about
 * 2.5 KB of heap a case for the whole run (heap after a full collection: 36.9 MB after 2,000
 * cases, 51.8 MB after 8,000); bounded, 37.0, 41.1 and 32.2 MB after 2,000, 8,000 and 16,000.
 * Starting over changes no step: a snapshot keeps its own configuration, and a configuration
 * looked up again is built again, the same (test/properties/chart-compiled.test.ts).
 */
export const MAX_CONFS = 4096;

const isAtomic = (n: Node) => n.type === 'atomic' || n.type === 'final';
const children = (n: Node): Node[] => Object.values(n.states).filter((s: any) => s.type !== 'history');
function properAncestors(n: Node, to: Node | undefined): Node[] {
  const out: Node[] = [];
  if (to === n) return out;
  for (let m = n.parent; m && m !== to; m = m.parent) out.push(m);
  return out;
}
function isDescendant(child: Node, parent: Node): boolean {
  let m = child;
  while (m.parent && m.parent !== parent) m = m.parent;
  return m.parent === parent;
}

class Unsupported extends Error {}

/**
 * The chart compiled, or null if its definition uses what the compiled step does not cover
 * (then XState steps it: properties/chart-step.ts).
 */
export function compileChart(machine: AnyStateMachine, opts: { maxConfs?: number } = {}): CompiledChart | null {
  try {
    return new Chart(machine, opts.maxConfs ?? MAX_CONFS);
  } catch (e) {
    if (e instanceof Unsupported) return null;
    throw e;
  }
}

const cache = new WeakMap<AnyStateMachine, CompiledChart | null>();
/** `compileChart`, once per chart. */
export function compiledChart(machine: AnyStateMachine): CompiledChart | null {
  if (!cache.has(machine)) cache.set(machine, compileChart(machine));
  return cache.get(machine)!;
}

class Chart implements CompiledChart {
  private readonly ids = new Map<Transition, Compiled>();
  private readonly confs = new Map<string, Conf>();
  private readonly nodeIds = new Map<Node, number>();
  private initialConf: Conf;
  private readonly initialNodes: Node[];
  private readonly contextOf: (input: unknown) => Ctx;

  constructor(private readonly machine: AnyStateMachine, private readonly maxConfs: number) {
    const m = machine as any;
    const cfgContext = m.config.context;
    this.contextOf = typeof cfgContext === 'function'
      ? (input) => Object.assign({}, cfgContext({ input, spawn: undefined, self: undefined }))
      : () => Object.assign({}, cfgContext ?? {});
    const all: Node[] = [];
    const walk = (n: Node) => { all.push(n); for (const c of Object.values(n.states)) walk(c); };
    walk(m.root);
    for (const n of all) {
      this.nodeIds.set(n, this.nodeIds.size);
      if (n.type === 'history' || n.type === 'final') throw new Unsupported('history or final state');
      if (n.entry.length || n.exit.length || n.invoke.length) throw new Unsupported('entry, exit or invoke');
      if (n.config.after) throw new Unsupported('delayed transition');
      if (n.type === 'compound' && n.initial.actions.length) throw new Unsupported('initial actions');
      for (const [type, ts] of n.transitions as Map<string, Transition[]>) {
        if (type.includes('*') || type.startsWith('xstate.')) throw new Unsupported('wildcard or built-in event');
        for (const t of ts) this.compile(t, type, n);
      }
      for (const t of n.always ?? []) this.compile(t, null, n);
    }
    // The initial microstep: the root's initial states entered (XState initialMicrostep).
    const initialNodes = new Set<Node>();
    const iter = (n: Node) => {
      if (initialNodes.has(n)) return;
      initialNodes.add(n);
      if (n.type === 'compound') iter(n.initial.target[0]);
      else if (n.type === 'parallel') for (const c of children(n)) iter(c);
    };
    iter(m.root);
    const set = new Set<Node>([m.root]);
    const entered = this.entrySet([{ target: [...initialNodes], source: m.root, reenter: true }]);
    for (const s of [...entered].sort((a, b) => a.order - b.order)) set.add(s);
    this.initialNodes = [...set];
    this.initialConf = this.conf(this.initialNodes);
  }

  private compile(t: Transition, eventType: string | null, n: Node): void {
    const impl = (this.machine as any).implementations;
    for (const a of t.actions) {
      const resolved = typeof a === 'function' ? a : impl.actions[typeof a === 'string' ? a : a.type];
      if (!resolved || resolved.type !== 'xstate.assign' || typeof resolved.assignment !== 'function') throw new Unsupported('an action other than assign');
    }
    this.ids.set(t, { t, id: this.ids.size, guard: t.guard === undefined ? null : this.guardOf(t.guard, eventType, n) });
  }

  private guardOf(g: any, eventType: string | null, n: Node): Guard {
    const inline = typeof g === 'function';
    const type = inline ? undefined : typeof g === 'string' ? g : g.type;
    const fn = inline ? g : (this.machine as any).implementations.guards[type];
    if (typeof fn !== 'function' || 'check' in fn) throw new Unsupported('a guard combinator or a guard by reference');
    const params = inline || typeof g === 'string' || !('params' in g) ? undefined : g.params;
    if (typeof params === 'function') throw new Unsupported('guard params computed');
    const plain: Guard = (context, event) => fn({ context, event }, params);
    if (eventType === null) return plain;
    // StateNode.next wraps a guard's error in this message; eventless guards' errors pass as they are.
    return (context, event) => {
      try {
        return plain(context, event);
      } catch (err) {
        throw new Error(`Unable to evaluate guard ${type ? `'${type}' ` : ''}in transition for event '${eventType}' in state node '${n.id}':\n${(err as Error).message}`);
      }
    };
  }

  /** The configuration of these active nodes in this order, interned. */
  private conf(nodes: Node[]): Conf {
    const key = nodes.map((n) => this.nodeIds.get(n)).join(',');
    let c = this.confs.get(key);
    if (!c && this.confs.size >= this.maxConfs) {
      this.startOver();
      c = this.confs.get(key);
    }
    if (!c) {
      const set = new Set(nodes);
      c = { nodes, set, value: stateValue(this.machine, nodes), plans: new Map(), eventless: null, micro: new Map() };
      this.confs.set(key, c);
    }
    return c;
  }

  /**
   * The table starts over (MAX_CONFS), the initial configuration built again with it: the old
   * configurations point at one another through their microsteps, so only a new initial one leaves
   * them to the snapshots that still hold them, and to the garbage collector after those.
   */
  private startOver(): void {
    this.confs.clear();
    this.initialConf = this.conf(this.initialNodes);
  }

  get confCount(): number { return this.confs.size; }

  initial(input: unknown): CompiledSnapshot {
    const ctx = this.contextOf(input);
    const r = this.settle(this.initialConf, ctx, { type: 'xstate.init', input } as Ev, false);
    return { value: r.conf.value, context: r.context, status: 'active', machine: this.machine, conf: r.conf };
  }

  step(before: CompiledSnapshot, e: Ev): { next: CompiledSnapshot | null; refused: boolean } {
    const conf = before.conf;
    let plan = conf.plans.get(e.type);
    if (plan === undefined) {
      plan = this.plan(conf.value, (this.machine as any).root, e.type);
      conf.plans.set(e.type, plan);
    }
    const enabled = plan === null ? [] : select(plan, before.context, e);
    let cur = conf;
    let ctx: Ctx = before.context;
    let changed = false;
    if (enabled.length > 0) {
      const r = this.microstep(cur, ctx, e, enabled);
      changed = r.changed; cur = r.conf; ctx = r.context;
    }
    const r = this.settle(cur, ctx, e, changed);
    if (!r.changed) return { next: null, refused: enabled.length === 0 };
    return { next: { value: r.conf.value, context: r.context, status: 'active', machine: this.machine, conf: r.conf }, refused: false };
  }

  /** The eventless transitions until none is enabled (XState macrostep's loop). */
  private settle(conf: Conf, context: Ctx, e: Ev, changedBefore: boolean): { conf: Conf; context: Ctx; changed: boolean } {
    let cur = conf;
    let ctx = context;
    let changed = changedBefore;
    for (;;) {
      const enabled = this.eventless(cur, ctx, e);
      if (enabled.length === 0) break;
      const r = this.microstep(cur, ctx, e, enabled);
      if (!r.changed) break;
      changed = true; cur = r.conf; ctx = r.context;
    }
    return { conf: cur, context: ctx, changed };
  }

  private eventless(conf: Conf, context: Ctx, e: Ev): Compiled[] {
    if (conf.eventless === null) {
      conf.eventless = conf.nodes.filter(isAtomic).map((a) => [a, ...properAncestors(a, undefined)].flatMap((s) => (s.always ?? []).map((t: Transition) => this.ids.get(t)!)));
    }
    let out: Compiled[] | null = null;
    for (const cands of conf.eventless) {
      for (const c of cands) {
        if (c.guard === null || c.guard(context, e)) {
          if (out === null) out = [c];
          else if (!out.includes(c)) out.push(c);
          break;
        }
      }
    }
    return out ?? NONE;
  }

  private microstep(conf: Conf, context: Ctx, e: Ev, enabled: Compiled[]): { conf: Conf; context: Ctx; changed: boolean } {
    // One enabled transition (the common case) is looked up by itself, several by their ids.
    const key: Compiled | string = enabled.length === 1 ? enabled[0] : enabled.map((c) => c.id).join(',');
    let m = conf.micro.get(key);
    if (m === undefined) {
      m = this.structure(conf, enabled.map((c) => c.t));
      conf.micro.set(key, m);
    }
    let ctx = context;
    for (const a of m.actions) ctx = a(ctx, e);
    return { conf: m.conf, context: ctx, changed: m.actions.length > 0 || m.conf !== conf };
  }

  /** What a microstep of these transitions does from this configuration (XState microstep). */
  private structure(conf: Conf, transitions: Transition[]): Micro {
    const filtered = this.removeConflicting(transitions, conf.set);
    const impl = (this.machine as any).implementations;
    const actions: Assign[] = filtered.flatMap((t) => t.actions).map((a: any) => {
      const resolved = typeof a === 'function' ? a : impl.actions[typeof a === 'string' ? a : a.type];
      const params = typeof a === 'function' || typeof a === 'string' || !('params' in a) ? undefined : a.params;
      const assignment = resolved.assignment;
      if (typeof params === 'function') {
        return (context: Ctx, event: Ev) => Object.assign({}, context, assignment({ context, event, spawn: undefined, self: undefined, system: undefined }, params({ context, event })));
      }
      return (context: Ctx, event: Ev) => Object.assign({}, context, assignment({ context, event, spawn: undefined, self: undefined, system: undefined }, params));
    });
    const next = new Set(conf.nodes);
    const exit = this.exitSet(filtered, next).sort((a, b) => b.order - a.order);
    for (const s of exit) next.delete(s);
    for (const s of [...this.entrySet(filtered)].sort((a, b) => a.order - b.order)) next.add(s);
    const same = next.size === conf.set.size && [...conf.set].every((n) => next.has(n));
    return { actions, conf: same ? conf : this.conf([...next]) };
  }

  /** XState's transitionNode over a state value, as a plan of candidate lists (null: none anywhere). */
  private plan(value: StateValue, node: Node, type: string): Plan | null {
    // transitionNode(parent, value): a string names the active child (transitionAtomicNode).
    const cands = (n: Node): Compiled[] => ((n.transitions as Map<string, Transition[]>).get(type) ?? []).map((t) => this.ids.get(t)!);
    let kids: Plan[];
    if (typeof value === 'string') {
      const child = node.states[value];
      const p: Plan | null = cands(child).length ? { cands: cands(child), children: [] } : null;
      kids = p ? [p] : [];
    } else {
      kids = [];
      for (const key of Object.keys(value)) {
        if (!value[key]) continue;
        const p = this.plan(value[key], node.states[key], type);
        if (p) kids.push(p);
      }
    }
    const own = cands(node);
    if (kids.length === 0 && own.length === 0) return null;
    return { cands: own, children: kids };
  }

  private removeConflicting(enabled: Transition[], set: Set<Node>): Transition[] {
    const filtered = new Set<Transition>();
    for (const t1 of enabled) {
      let preempted = false;
      const remove = new Set<Transition>();
      for (const t2 of filtered) {
        const x1 = this.exitSet([t1], set);
        const x2 = new Set(this.exitSet([t2], set));
        if (x1.some((s) => x2.has(s))) {
          if (isDescendant(t1.source, t2.source)) remove.add(t2);
          else { preempted = true; break; }
        }
      }
      if (!preempted) {
        for (const t3 of remove) filtered.delete(t3);
        filtered.add(t1);
      }
    }
    return [...filtered];
  }

  private exitSet(transitions: Transition[], set: Set<Node>): Node[] {
    const out = new Set<Node>();
    for (const t of transitions) {
      if (!t.target?.length) continue;
      const domain = this.domain(t);
      if (t.reenter && t.source === domain) out.add(domain);
      for (const s of set) if (isDescendant(s, domain)) out.add(s);
    }
    return [...out];
  }

  private domain(t: Transition): Node {
    const targets: Node[] = t.target ?? [];
    if (!t.reenter && targets.every((x) => x === t.source || isDescendant(x, t.source))) return t.source;
    const [head, ...tail] = [...targets, t.source];
    for (const anc of properAncestors(head, undefined)) if (tail.every((s) => isDescendant(s, anc))) return anc;
    return t.reenter ? undefined : (this.machine as any).root;
  }

  private entrySet(transitions: Transition[]): Set<Node> {
    const enter = new Set<Node>();
    const descend = (n: Node) => {
      if (n.type === 'compound') {
        const [init] = n.initial.target;
        enter.add(init);
        descend(init);
        ancestorsEnter(properAncestors(init, n), undefined);
      } else if (n.type === 'parallel') {
        for (const c of children(n)) {
          if (![...enter].some((s) => isDescendant(s, c))) { enter.add(c); descend(c); }
        }
      }
    };
    const ancestorsEnter = (ancestors: Node[], domain: Node | undefined) => {
      for (const anc of ancestors) {
        if (!domain || isDescendant(anc, domain)) enter.add(anc);
        if (anc.type === 'parallel') {
          for (const c of children(anc)) {
            if (![...enter].some((s) => isDescendant(s, c))) { enter.add(c); descend(c); }
          }
        }
      }
    };
    for (const t of transitions) {
      const domain = this.domain(t);
      for (const s of t.target ?? []) {
        if (t.source !== s || t.source !== domain || t.reenter) enter.add(s);
        descend(s);
      }
      for (const s of t.target ?? []) {
        const ancestors = properAncestors(s, domain);
        if (domain?.type === 'parallel') ancestors.push(domain);
        ancestorsEnter(ancestors, !t.source.parent && t.reenter ? undefined : domain);
      }
    }
    return enter;
  }
}

const NONE: Compiled[] = [];

/** The enabled transitions of a plan (XState transitionNode and StateNode.next). */
function select(p: Plan, context: Ctx, e: Ev): Compiled[] {
  let inner: Compiled[] | null = null;
  for (const k of p.children) {
    const r = select(k, context, e);
    if (r.length) inner = inner === null ? r : inner.concat(r);
  }
  if (inner !== null) return inner;
  for (const c of p.cands) if (c.guard === null || c.guard(context, e)) return [c];
  return NONE;
}

/** XState's getStateValue over these active nodes (their ancestors and the adjacency in this order). */
function stateValue(machine: AnyStateMachine, nodes: Node[]): StateValue {
  const set = new Set(nodes);
  for (const s of [...set]) for (let m = s.parent; m; m = m.parent) set.add(m);
  const adj = new Map<Node, Node[]>();
  for (const s of set) {
    if (!adj.has(s)) adj.set(s, []);
    if (s.parent) {
      if (!adj.has(s.parent)) adj.set(s.parent, []);
      adj.get(s.parent)!.push(s);
    }
  }
  const of = (base: Node): StateValue => {
    const kids = adj.get(base);
    if (!kids) return {};
    if (base.type === 'compound') {
      const k = kids[0];
      if (!k) return {};
      if (isAtomic(k)) return k.key;
    }
    const v: Record<string, StateValue> = {};
    for (const k of kids) v[k.key] = of(k);
    return v;
  };
  return of((machine as any).root);
}

/**
 * XState's own snapshot for a compiled one (its state nodes in the same order, so the same state
 * value), for callers that step by XState from there (a fork's memoized step, chart-step.ts);
 * any other snapshot is returned as it is.
 */
export function machineSnapshot<S extends object>(machine: AnyStateMachine, s: S | CompiledSnapshot): S {
  if (!('conf' in s)) return s;
  const real = machine.resolveState({ value: s.value, context: s.context }) as any;
  real._nodes = s.conf.nodes.slice();
  real.value = s.conf.value;
  return real as S;
}

/**
 * A chart as one compiled snapshot with the actor members a conformance monitor reads
 * (getSnapshot, send, logic, getPersistedSnapshot), from its initial state for `input`; null if
 * the chart does not compile. Its snapshots are compiled ones: `machineSnapshot` gives XState's.
 */
export function compiledActor<M extends AnyStateMachine>(machine: M, input: unknown): Actor<M> | null {
  const chart = compiledChart(machine);
  if (!chart) return null;
  let snap = chart.initial(input);
  const actor = {
    logic: machine,
    getSnapshot: () => snap,
    getPersistedSnapshot: () => machineSnapshot(machine, snap),
    send(e: Ev) {
      const r = chart.step(snap, e);
      if (r.next !== null) snap = r.next;
    },
    start: () => actor,
  };
  return actor as unknown as Actor<M>;
}
