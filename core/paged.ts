/**
 * Per-gpfn maps whose memory follows the pages touched, not the pages a guest has (issue 22).
 *
 * A guest of ordinary size keeps every per-gpfn map (p2m, page states, what the host holds) as a
 * plain typed array, exactly as before: `gpfnArray` returns one, so nothing changes for it, not
 * even its speed. A guest whose space passes `pagedThreshold()` gpfns (2^22 unless a test or a
 * bench moves it) gets a paged map instead: chunks of 4,096 entries allocated on the first write
 * of a value other than the default, untouched chunks reading as the default. The map is handed
 * out behind a Proxy, so `map[n]` reads and writes it as it does a typed array, and every user of
 * the observation (families, adapters, properties) keeps its code; what a user may rely on is
 * `GpfnArray`: an index and a length, no typed-array methods.
 *
 * A loop over a whole map would cost the span, not the pages touched: `touchedRanges` gives the
 * ranges of gpfns where any of a few maps may differ from its default (all of it for a typed
 * array), and a property scans those; what lies outside holds every map's default.
 */

/** What every per-gpfn map offers: read and write by gpfn, and its length. */
export interface GpfnArray { readonly length: number; [n: number]: number }
/** The observation's view of a per-gpfn map. */
export interface ReadonlyGpfnArray { readonly length: number; readonly [n: number]: number }

type Typed = Int32Array | Uint8Array | Uint16Array | Uint32Array;
type TypedCtor = { new (n: number): Typed; readonly name: string };

const CHUNK_BITS = 12;
const CHUNK = 1 << CHUNK_BITS;

/**
 * A paged map: a directory of chunks, each a typed array of CHUNK entries, made on the first write
 * of a non-default value. `def` is the default of an untouched entry: a constant, or a function of
 * the index (a free list that starts out as "every RAM page, in order" without listing them).
 * @internal reached through `gpfnArray` and the helpers below
 */
class Paged {
  readonly chunks = new Map<number, Typed>();
  constructor(readonly kind: TypedCtor, readonly length: number, readonly def: number | ((n: number) => number)) {}

  get(n: number): number | undefined {
    if (!(n >= 0 && n < this.length)) return undefined; // NaN and out of range read as a typed array's
    const c = this.chunks.get(n >>> CHUNK_BITS);
    if (c !== undefined) return c[n & (CHUNK - 1)];
    return typeof this.def === 'number' ? this.def : this.def(n);
  }

  set(n: number, v: number): void {
    if (!(n >= 0 && n < this.length && Number.isInteger(n))) return; // a typed array ignores these too
    const k = n >>> CHUNK_BITS;
    let c = this.chunks.get(k);
    if (c === undefined) {
      const d = typeof this.def === 'number' ? this.def : this.def(n);
      if (v === d) return; // writing the default touches nothing
      c = this.makeChunk(k);
    }
    c[n & (CHUNK - 1)] = v;
  }

  private makeChunk(k: number): Typed {
    const c = new this.kind(CHUNK);
    const base = k * CHUNK;
    const def = this.def;
    if (typeof def === 'number') { if (def !== 0) c.fill(def); } else for (let i = 0; i < CHUNK; i++) c[i] = def(base + i);
    this.chunks.set(k, c);
    return c;
  }

  clone(): Paged {
    const out = new Paged(this.kind, this.length, this.def);
    for (const [k, c] of this.chunks) out.chunks.set(k, c.slice());
    return out;
  }
}

const pagedOf = new WeakMap<object, Paged>();

const handler: ProxyHandler<Paged> = {
  get(t, k) {
    if (typeof k !== 'string') return undefined;
    if (k === 'length') return t.length;
    const c = k.charCodeAt(0);
    return c >= 48 && c <= 57 ? t.get(Number(k)) : undefined;
  },
  set(t, k, v) {
    if (typeof k === 'string') {
      const c = k.charCodeAt(0);
      if (c >= 48 && c <= 57) t.set(Number(k), Number(v));
    }
    return true;
  },
};

function wrap(p: Paged): GpfnArray {
  const proxy = new Proxy(p, handler) as unknown as GpfnArray;
  pagedOf.set(proxy, p);
  return proxy;
}

let threshold = 2 ** 22;

/** Spaces of more gpfns than this get paged maps; fewer, typed arrays. */
export const pagedThreshold = (): number => threshold;

/**
 * Move the threshold (tests that run a small guest on paged maps to compare it with typed arrays;
 * benches); the previous value. Maps made before keep their kind.
 */
export function setPagedThreshold(n: number): number {
  const old = threshold;
  threshold = n;
  return old;
}

/**
 * A per-gpfn map of `length` entries, each `def` (or `def(n)`) to start with: a typed array of
 * `kind` up to the threshold, a paged map past it.
 * @example const p2m = gpfnArray(Int32Array, space, UNBACKED); p2m[7] = 3;
 */
export function gpfnArray(kind: TypedCtor, length: number, def: number | ((n: number) => number) = 0): GpfnArray {
  if (length <= threshold) {
    const a = new kind(length);
    if (typeof def === 'number') { if (def !== 0) a.fill(def); } else for (let i = 0; i < length; i++) a[i] = def(i);
    return a;
  }
  return wrap(new Paged(kind, length, def));
}

/** True when `a` is a paged map (not a typed array). */
export const isPaged = (a: unknown): boolean => typeof a === 'object' && a !== null && pagedOf.has(a);

/** The typed-array kind a map holds (a paged map's chunks), or null for anything else. */
export function gpfnArrayKind(a: unknown): string | null {
  if (ArrayBuffer.isView(a)) return a.constructor.name;
  const p = typeof a === 'object' && a !== null ? pagedOf.get(a) : undefined;
  return p ? p.kind.name : null;
}

/** An independent copy of a paged map (core/fork.ts), or undefined when `a` is not one. */
export function clonePaged(a: object): GpfnArray | undefined {
  const p = pagedOf.get(a);
  return p ? wrap(p.clone()) : undefined;
}

/**
 * Set entries lo..hi-1 of `a` to `v` (a typed array's `fill`, for either kind). On a paged map a
 * fill with the default drops the chunks it covers whole, so a reset costs the pages touched.
 */
export function fillGpfns(a: GpfnArray, v: number, lo = 0, hi = a.length): void {
  if (ArrayBuffer.isView(a)) { (a as unknown as Typed).fill(v, lo, hi); return; }
  const p = pagedOf.get(a);
  if (!p) { for (let n = lo; n < hi; n++) a[n] = v; return; }
  const byDefault = typeof p.def === 'number' && v === p.def;
  for (let n = lo; n < hi;) {
    const k = n >>> CHUNK_BITS;
    const end = Math.min(hi, (k + 1) * CHUNK);
    const whole = n === k * CHUNK && end === (k + 1) * CHUNK;
    if (byDefault && (whole || !p.chunks.has(k))) p.chunks.delete(k);
    else for (let m = n; m < end; m++) p.set(m, v);
    n = end;
  }
}

/** Make `dst` hold what `src` holds (a typed array's `set`; both of one length and default). */
export function copyGpfns(dst: GpfnArray, src: ReadonlyGpfnArray): void {
  if (ArrayBuffer.isView(dst) && ArrayBuffer.isView(src)) { (dst as unknown as Typed).set(src as unknown as Typed); return; }
  const d = pagedOf.get(dst);
  const s = pagedOf.get(src);
  if (d && s && d.def === s.def) {
    d.chunks.clear();
    for (const [k, c] of s.chunks) d.chunks.set(k, c.slice());
    return;
  }
  for (let n = 0; n < dst.length; n++) dst[n] = src[n];
}

/**
 * The ranges [lo, hi) of gpfns where any of `maps` may hold something other than its default, in
 * order and disjoint: one range over the whole length when any of them is a typed array; the
 * touched chunks of paged maps otherwise. Outside them every map reads its default.
 * @example for (const [lo, hi] of touchedRanges(g.p2m)) for (let n = lo; n < hi; n++) ...
 */
export function touchedRanges(...maps: (ReadonlyGpfnArray | null | undefined)[]): [number, number][] {
  let length = 0;
  const keys = new Set<number>();
  for (const m of maps) {
    if (!m) continue;
    length = Math.max(length, m.length);
    const p = pagedOf.get(m);
    if (!p) return [[0, m.length]];
    for (const k of p.chunks.keys()) keys.add(k);
  }
  const out: [number, number][] = [];
  for (const k of [...keys].sort((a, b) => a - b)) {
    const lo = k * CHUNK;
    const hi = Math.min(lo + CHUNK, length);
    const last = out[out.length - 1];
    if (last && last[1] === lo) last[1] = hi; else out.push([lo, hi]);
  }
  return out;
}

/** How many gpfns `ranges` cover. */
export const rangeLength = (ranges: readonly (readonly [number, number])[]): number =>
  ranges.reduce((s, [lo, hi]) => s + hi - lo, 0);

/** Bytes a map holds: its typed array, or a paged map's chunks (benches). */
export function gpfnArrayBytes(a: ReadonlyGpfnArray | null): number {
  if (!a) return 0;
  if (ArrayBuffer.isView(a)) return a.byteLength;
  const p = pagedOf.get(a);
  let b = 0;
  if (p) for (const c of p.chunks.values()) b += c.byteLength;
  return b;
}

/**
 * `a` as the typed array it is, for code that needs typed-array methods (the viewer's byte
 * compares, tests); throws, naming `what`, when `a` is a paged map.
 * @example asTyped<Uint8Array>(g.pageState, 'pageState').indexOf(PageState.Used)
 */
export function asTyped<T extends Typed = Int32Array>(a: GpfnArray, what = 'the map'): T {
  if (!ArrayBuffer.isView(a)) throw new TypeError(`${what} is a paged map (a guest of more than ${threshold} gpfns), not a typed array`);
  return a as unknown as T;
}
