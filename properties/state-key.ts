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
  const walk = (v: unknown): void => {
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
    if (Array.isArray(v)) { h.int(TAG.array); for (const x of v) walk(x); h.int(TAG.end); return; }
    h.int(TAG.object);
    for (const k in v as Record<string, unknown>) {
      if (!Object.prototype.hasOwnProperty.call(v, k)) continue;
      const x = (v as Record<string, unknown>)[k];
      if (skip.has(k) || typeof x === 'function') continue;
      h.str(k, TAG.key); walk(x);
    }
    h.int(TAG.end);
  };
  walk(value);
  return h.done();
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
