import { clonePaged } from './paged.ts';

/**
 * A deep copy of a state object graph, for the explorer's snapshots (properties/exhaustive.ts):
 * a system or a monitor that keeps its state in plain objects, class instances, arrays, typed
 * arrays, Maps and Sets can be forked by copying that graph instead of replaying its history.
 *
 * What it keeps: prototypes (a copied class instance has its methods), sharing (two fields that
 * point at one object, or at one typed array, still do in the copy), property descriptors and
 * non-extensibility. Typed arrays are copied one by one: two views of one buffer become two
 * buffers (none of the references shares a buffer between views). What it refuses, with a TypeError naming the field: a
 * function stored as a field (a closure's variables cannot be copied) and objects of unknown
 * kinds (WeakMap, Promise, ...). What it cannot see: `#private` fields and module-level state; a
 * class using them must not fork this way (the fork tests of each family compare a fork with a
 * replay step by step and would fail).
 */
export function forkState<T>(root: T): T {
  const memo = new Map<object, unknown>();
  return copyValue(root, 'state', memo) as T;
}

/**
 * Declares `value` and everything reachable from it as never changed by the system that holds it
 * (its configuration, its set of faults): `forkState` shares it between a state and its forks
 * instead of copying it on every fork. Returns `value`. Nothing is frozen: a system that changed
 * a shared object after forking would change it in its forks too, which the fork tests of each
 * family (a fork compared with a replay, step by step) would show.
 */
export function shareOnFork<T>(value: T): T {
  const walk = (v: unknown): void => {
    if (v === null || typeof v !== 'object' || sharedOnFork.has(v)) return;
    sharedOnFork.add(v);
    if (ArrayBuffer.isView(v)) return;
    if (v instanceof Map) { for (const [k, x] of v) { walk(k); walk(x); } return; }
    if (v instanceof Set) { for (const x of v) walk(x); return; }
    for (const k of Reflect.ownKeys(v)) walk((v as Record<PropertyKey, unknown>)[k]);
  };
  walk(value);
  return value;
}
const sharedOnFork = new WeakSet<object>();

// One walk of forkState, at module level (not a closure made per call: a fork is the explorer's
// most frequent operation, properties/exhaustive.ts).
function copyValue(v: unknown, path: string, memo: Map<object, unknown>): unknown {
  if (v === null || typeof v !== 'object') {
    if (typeof v === 'function') throw new TypeError(`forkState: the field ${path} holds a function (closure state cannot be copied)`);
    return v;
  }
  const known = memo.get(v);
  if (known !== undefined) return known;
  if (sharedOnFork.has(v)) return v;
  if (v instanceof ArrayBuffer) { const b = v.slice(0); memo.set(v, b); return b; }
  if (ArrayBuffer.isView(v)) {
    if (v instanceof DataView) throw new TypeError(`forkState: the field ${path} holds a DataView, which cannot be copied`);
    // Each typed array is copied on its own: reading `.buffer` of a small typed array makes V8
    // move it off the heap, which cost seven times the copy. So two views of one buffer are two
    // buffers in the copy; no reference implementation shares one. A new array of the same kind
    // filled by `set`, not `slice()`: for the reference's arrays of a few dozen entries, slice
    // (which looks up the species constructor) cost four times as much (docs/EXPLORE.md, "Speed:
    // what each optimisation relies on").
    const a = v as unknown as { constructor: new (n: number) => { set(x: unknown): void }; length: number };
    const out = new a.constructor(a.length) as unknown as ArrayBufferView;
    (out as unknown as { set(x: unknown): void }).set(v);
    memo.set(v, out);
    return out;
  }
  if (Array.isArray(v)) {
    // Copied whole (a packed array of numbers is one block copy), then its objects copied in place:
    // a call per element cost a third of forking the reference (arrays of a hundred numbers).
    const out: unknown[] = v.slice();
    memo.set(v, out);
    for (let i = 0; i < out.length; i++) {
      const x = out[i];
      if (typeof x === 'object' || typeof x === 'function') out[i] = copyValue(x, path, memo);
    }
    return out;
  }
  if (v instanceof Map) {
    const out = new Map();
    memo.set(v, out);
    for (const [k, x] of v) out.set(copyValue(k, path, memo), copyValue(x, path, memo));
    return out;
  }
  if (v instanceof Set) {
    const out = new Set();
    memo.set(v, out);
    for (const x of v) out.add(copyValue(x, path, memo));
    return out;
  }
  const paged = clonePaged(v); // a paged per-gpfn map (core/paged.ts) behind its Proxy
  if (paged !== undefined) { memo.set(v, paged); return paged; }
  const proto = Object.getPrototypeOf(v) as object | null;
  if (proto !== null && proto !== Object.prototype && !isClassPrototype(proto)) {
    throw new TypeError(`forkState: the field ${path} holds a ${v.constructor?.name ?? 'built-in'} object, which cannot be copied`);
  }
  const out = Object.create(proto) as Record<PropertyKey, unknown>;
  memo.set(v, out);
  const src = v as Record<string, unknown>;
  const keys = Object.keys(src);
  if (Object.getOwnPropertyNames(src).length === keys.length && Object.getOwnPropertySymbols(src).length === 0) {
    // The common case, plain fields: assigned in order, so copies share their hidden class.
    for (const k of keys) out[k] = copyValue(src[k], k, memo);
  } else {
    for (const k of Reflect.ownKeys(v)) {
      const d = Object.getOwnPropertyDescriptor(v, k)!;
      if ('value' in d) d.value = copyValue(d.value, String(k), memo);
      else throw new TypeError(`forkState: the field ${String(k)} is an accessor (its state is out of reach)`);
      Object.defineProperty(out, k, d);
    }
  }
  if (!Object.isExtensible(v)) Object.preventExtensions(out);
  return out;
}

// A prototype of our own classes: a plain object chain ending at Object.prototype whose
// constructor is a class or function declared in code (not a built-in with internal slots).
// Remembered per prototype: a prototype chain does not change while a search runs.
function isClassPrototype(proto: object): boolean {
  let known = classPrototypes.get(proto);
  if (known === undefined) { known = walkClassPrototype(proto); classPrototypes.set(proto, known); }
  return known;
}
const classPrototypes = new WeakMap<object, boolean>();
function walkClassPrototype(proto: object): boolean {
  for (let p: object | null = proto; p !== null && p !== Object.prototype; p = Object.getPrototypeOf(p) as object | null) {
    if (BUILTINS.has(p)) return false;
  }
  return true;
}
const BUILTINS: ReadonlySet<object> = new Set<object>([
  WeakMap.prototype, WeakSet.prototype, Promise.prototype, Date.prototype, RegExp.prototype, Error.prototype,
  Function.prototype, WeakRef.prototype,
]);
