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
