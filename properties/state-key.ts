/**
 * The canonical key of a state, for `balloon explore` (properties/exhaustive.ts). Apart from the
 * explorer so that a family's explorer (properties/<family>/explorer.ts), which its Family value
 * imports, does not import the runner: the runner imports properties/families.ts, and that cycle
 * left a family undefined in FAMILIES when a family's folder was imported first.
 */
/**
 * A canonical text of an observation: keys in a fixed order as the object has them, typed arrays
 * as their digits, fields named in `skip` left out (a buffer's id, a clock that only grows).
 */
export function canonicalKey(value: unknown, skip: ReadonlySet<string> = NO_SKIP): string {
  const out: string[] = [];
  const walk = (v: unknown): void => {
    if (v === null || typeof v !== 'object') { out.push(JSON.stringify(v) ?? 'u'); return; }
    if (ArrayBuffer.isView(v)) { out.push(`<${Array.prototype.join.call(v, ',')}>`); return; }
    if (Array.isArray(v)) { out.push('['); for (const x of v) { walk(x); out.push(','); } out.push(']'); return; }
    out.push('{');
    for (const [k, x] of Object.entries(v as Record<string, unknown>)) {
      if (skip.has(k) || typeof x === 'function') continue;
      out.push(k, ':'); walk(x); out.push(',');
    }
    out.push('}');
  };
  walk(value);
  return out.join('');
}
const NO_SKIP: ReadonlySet<string> = new Set();

/**
 * A 64-bit fingerprint of a state, kept as two 32-bit halves (stateright and TLC keep 64-bit
 * fingerprints of states, not the states). Two lanes of a multiply-xorshift hash fed the same
 * tokens with different seeds; equal inputs give equal fingerprints, and distinct states collide
 * with probability about n²/2^65 for n states (10^6 states: about 3·10^-8), which a search that
 * merges on fingerprints accepts, as those model checkers do.
 */
export interface Fingerprint { hi: number; lo: number }

/** Feeds tokens into the two lanes; `done()` returns the fingerprint and resets. Private state, reused. */
export class Hasher {
  private a = 0x9e3779b9 | 0;
  private b = 0x85ebca6b | 0;
  /** One 32-bit integer. */
  int(x: number): void {
    this.a = Math.imul(this.a ^ x, 0x5bd1e995); this.a ^= this.a >>> 15;
    this.b = Math.imul(this.b ^ x, 0x27d4eb2d); this.b ^= this.b >>> 13;
  }
  /** Any number: integers in range as themselves, the rest by their text (as JSON would print them). */
  num(x: number): void {
    if (Number.isInteger(x) && x >= -0x80000000 && x <= 0x7fffffff) { this.int(1); this.int(x); } else this.str(String(x), 2);
  }
  str(s: string, tag = 3): void {
    this.int(tag); this.int(s.length);
    for (let i = 0; i < s.length; i++) this.int(s.charCodeAt(i));
  }
  done(): Fingerprint {
    const a = Math.imul(this.a ^ (this.a >>> 16), 0x85ebca6b); const b = Math.imul(this.b ^ (this.b >>> 16), 0xc2b2ae35);
    this.a = 0x9e3779b9 | 0; this.b = 0x85ebca6b | 0;
    return { hi: (a ^ (a >>> 13)) >>> 0, lo: (b ^ (b >>> 16)) >>> 0 };
  }
}

const TAG = { null: 4, undefined: 5, true: 6, false: 7, object: 8, array: 9, view: 10, end: 11, string: 3, key: 12 } as const;

/**
 * The fingerprint of `canonicalKey(value, skip)`, computed by the same walk without building the
 * text: values that give equal keys give equal fingerprints. (Tokens are tagged by type, so the
 * number 1 and the string "1" differ, as they do in the key.)
 */
export function canonicalFingerprint(value: unknown, skip: ReadonlySet<string> = NO_SKIP, h: Hasher = new Hasher()): Fingerprint {
  walkInto(h, skip, value);
  return h.done();
}

// canonicalFingerprint's walk, at module level: a closure made per call cost a tenth of a
// symmetric fingerprint (the explorer fingerprints every edge, chartStep every event).
function walkInto(h: Hasher, skip: ReadonlySet<string>, v: unknown): void {
  switch (typeof v) {
    case 'number': h.num(v); return;
    case 'string': h.str(v); return;
    case 'boolean': h.int(v ? TAG.true : TAG.false); return;
    case 'undefined': h.int(TAG.undefined); return;
    case 'object': break;
    default: h.str(String(JSON.stringify(v) ?? 'u'), 13); return;
  }
  if (v === null) { h.int(TAG.null); return; }
  if (ArrayBuffer.isView(v)) {
    const a = v as unknown as ArrayLike<number>;
    h.int(TAG.view); h.int(a.length);
    for (let i = 0; i < a.length; i++) h.num(a[i]);
    return;
  }
  if (Array.isArray(v)) { h.int(TAG.array); for (const x of v) walkInto(h, skip, x); h.int(TAG.end); return; }
  h.int(TAG.object);
  for (const k in v as Record<string, unknown>) {
    if (!Object.prototype.hasOwnProperty.call(v, k)) continue;
    const x = (v as Record<string, unknown>)[k];
    if (skip.has(k) || typeof x === 'function') continue;
    h.str(k, TAG.key); walkInto(h, skip, x);
  }
  h.int(TAG.end);
}

/** The fingerprint of a key that is already text (a family whose key is not canonicalKey's). */
export function textFingerprint(key: string, h: Hasher = new Hasher()): Fingerprint {
  h.str(key);
  return h.done();
}

/**
 * A set of 64-bit fingerprints in two typed arrays (open addressing, linear probing, grown at
 * half full): 8 bytes a state, no string or object per state.
 */
export class FingerprintSet {
  private hi = new Uint32Array(1024);
  private lo = new Uint32Array(1024);
  private used = new Uint8Array(1024);
  size = 0;
  /** Adds `f`; true when it was not there yet. */
  add(f: Fingerprint): boolean {
    if ((this.size + 1) * 2 > this.used.length) this.grow();
    const mask = this.used.length - 1;
    for (let i = (f.lo ^ Math.imul(f.hi, 0x9e3779b1)) & mask; ; i = (i + 1) & mask) {
      if (!this.used[i]) { this.used[i] = 1; this.hi[i] = f.hi; this.lo[i] = f.lo; this.size++; return true; }
      if (this.hi[i] === f.hi && this.lo[i] === f.lo) return false;
    }
  }
  has(f: Fingerprint): boolean {
    const mask = this.used.length - 1;
    for (let i = (f.lo ^ Math.imul(f.hi, 0x9e3779b1)) & mask; ; i = (i + 1) & mask) {
      if (!this.used[i]) return false;
      if (this.hi[i] === f.hi && this.lo[i] === f.lo) return true;
    }
  }
  private grow(): void {
    const { hi, lo, used } = this;
    this.hi = new Uint32Array(used.length * 2); this.lo = new Uint32Array(used.length * 2); this.used = new Uint8Array(used.length * 2);
    this.size = 0;
    for (let i = 0; i < used.length; i++) if (used[i]) this.add({ hi: hi[i], lo: lo[i] });
  }
}

/**
 * What a family's explorer says about interchangeable guests (FamilyExplorer.symmetry): the
 * fields of a guest's observation that hold host frame numbers (gpfn to frame maps). The world
 * part's `p2m` and `dmaView` always do; a family names its own (Xen PV's `guestP2m`).
 */
export interface GuestSymmetry {
  readonly frameFields?: readonly string[];
  /** Fields the family's key leaves out (virtio's buffer ids): not looked at when ordering guests either. */
  readonly skip?: readonly string[];
}

const WORLD_FRAME_FIELDS = ['p2m', 'dmaView'];

/**
 * Symmetry reduction (issue 21; TLC's symmetry sets, Murphi's scalarsets): the observation with
 * its interchangeable guests put in a canonical order and its host frames renamed canonically, so
 * that two states that differ only by which guest is which (and which free frame the host handed
 * out) give one state. Two guests are interchangeable when their configurations are equal
 * (canonicalKey of `config.guests[i]`); guests of different configurations keep their positions.
 *
 * The order: guests of one configuration sorted by a fingerprint of their observation with the
 * frame numbers replaced by "backed or not" (a frame's name says nothing about the guest), ties
 * kept in index order (fields in `sym.skip` or `skip` not looked at). The renaming: frames below `reservedFrames` keep their names; the others
 * are numbered from `reservedFrames` in the order they first appear in the guests' frame fields,
 * canonical guest order first; frames no guest maps follow in their own order. `host.owner` is
 * renamed through the guest permutation, the per-frame arrays are permuted with the frames.
 *
 * What this relies on (docs/EXPLORE.md): the system treats guests of one configuration alike and
 * host frames alike, except reserved ones (the reference hosts hand out frames from a stack,
 * impl/host.ts, so a frame's number never decides what happens next), and no property compares a
 * frame number with anything but another frame number or the reserved range. Only a family that
 * declares `symmetry` is reduced. With one guest only frames are renamed.
 */
export function symmetricObservation<O extends WorldObservationLike>(obs: O, config: { reservedFrames: number; guests: readonly unknown[] }, sym: GuestSymmetry = {}, skip: ReadonlySet<string> = NO_SKIP): O {
  const { frameFields, frameSkip } = fieldsOf(sym, skip);
  const n = obs.guests.length;
  const h = new Hasher();
  // Each guest's frame-free fingerprint: its fields without frame numbers, plus which gpfns are backed.
  const guestKey = obs.guests.map((g) => {
    const f = canonicalFingerprint(g, frameSkip, h);
    h.int(f.hi); h.int(f.lo);
    for (const field of frameFields) {
      const a = (g as Record<string, unknown>)[field] as Int32Array | null | undefined;
      if (!a) { h.int(-7); continue; }
      h.int(a.length);
      for (let i = 0; i < a.length; i++) h.int(a[i] < 0 ? a[i] : -100);
    }
    return h.done();
  });
  // order[k] = the old index of the guest put at position k.
  const order = Array.from({ length: n }, (_, i) => i);
  for (const members of guestClasses(config.guests, n)) {
    const sorted = [...members].sort((a, b) => (guestKey[a].hi - guestKey[b].hi) || (guestKey[a].lo - guestKey[b].lo) || (a - b));
    members.forEach((pos, k) => { order[pos] = sorted[k]; });
  }
  const newIndex = new Int32Array(n);
  order.forEach((old, k) => { newIndex[old] = k; });
  // Frames renamed by first appearance.
  const total = obs.host.owner.length;
  const reserved = config.reservedFrames;
  const rename = new Int32Array(total).fill(-1);
  for (let f = 0; f < Math.min(reserved, total); f++) rename[f] = f;
  let next = reserved;
  const see = (f: number) => { if (f >= reserved && f < total && rename[f] < 0) rename[f] = next++; };
  for (const old of order) {
    for (const field of frameFields) {
      const a = (obs.guests[old] as Record<string, unknown>)[field] as Int32Array | null | undefined;
      if (a) for (let i = 0; i < a.length; i++) see(a[i]);
    }
  }
  for (let f = reserved; f < total; f++) see(f);
  const mapFrames = (a: Int32Array): Int32Array => a.map((f) => (f >= 0 && f < total ? rename[f] : f));
  const guests = order.map((old) => {
    const g = { ...(obs.guests[old] as Record<string, unknown>) };
    for (const field of frameFields) { const a = g[field] as Int32Array | null | undefined; if (a) g[field] = mapFrames(a); }
    return g;
  });
  const owner = new Int32Array(total);
  const ownerGpfn = new Int32Array(total);
  for (let f = 0; f < total; f++) {
    const o = obs.host.owner[f];
    owner[rename[f]] = o >= 0 && o < n ? newIndex[o] : o;
    ownerGpfn[rename[f]] = obs.host.ownerGpfn[f];
  }
  return { ...obs, host: { ...obs.host, owner, ownerGpfn }, guests } as O;
}

/** The frame fields and the fields the guest order ignores, remembered per (symmetry, skip). */
function fieldsOf(sym: GuestSymmetry, skip: ReadonlySet<string>): { frameFields: string[]; frameSkip: ReadonlySet<string> } {
  let bySkip = fieldsMemo.get(sym);
  if (!bySkip) { bySkip = new WeakMap(); fieldsMemo.set(sym, bySkip); }
  let f = bySkip.get(skip);
  if (!f) {
    const frameFields = [...WORLD_FRAME_FIELDS, ...(sym.frameFields ?? [])];
    f = { frameFields, frameSkip: new Set([...skip, ...(sym.skip ?? []), ...frameFields]) };
    bySkip.set(skip, f);
  }
  return f;
}
const fieldsMemo = new WeakMap<GuestSymmetry, WeakMap<ReadonlySet<string>, { frameFields: string[]; frameSkip: ReadonlySet<string> }>>();

/** Positions of guests with equal configurations (canonicalKey), remembered per configuration's guest list. */
function guestClasses(guests: readonly unknown[], n: number): number[][] {
  let known = classesOf.get(guests);
  if (known === undefined || known.n !== n) {
    const byKey = new Map<string, number[]>();
    for (let i = 0; i < n; i++) {
      const k = i < guests.length ? canonicalKey(guests[i]) : `#${i}`;
      const c = byKey.get(k) ?? []; c.push(i); byKey.set(k, c);
    }
    known = { n, classes: [...byKey.values()].filter((c) => c.length > 1) };
    classesOf.set(guests, known);
  }
  return known.classes;
}
const classesOf = new WeakMap<readonly unknown[], { n: number; classes: number[][] }>();

/** The shape symmetricObservation reads (core/world.ts WorldObservation, without importing core's types here). */
interface WorldObservationLike { host: { owner: Int32Array; ownerGpfn: Int32Array }; guests: readonly object[] }
