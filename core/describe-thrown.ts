/**
 * One bounded line describing any thrown value, whatever it is. Foreign code can throw anything:
 * `Object.create(null)` (no toString: `String(e)` itself throws), an object whose toString or
 * `message` getter throws, a symbol, a string of megabytes. A report built from `String(e)` would
 * then throw in turn, and a check that crashes while reporting must never pass for one that held
 * (issue #13). This never throws and never returns more than MAX_THROWN_CHARS characters.
 *
 * @example
 *   describeThrown(new TypeError('boom'))     // 'TypeError: boom'
 *   describeThrown(Object.create(null))       // 'a thrown object with no prototype'
 *   describeThrown(Symbol('x'))               // 'a thrown symbol Symbol(x)'
 */

/** Longest description: a line of a report, not a dump. */
export const MAX_THROWN_CHARS = 300;

export function describeThrown(e: unknown): string {
  let text: string;
  try {
    text = describe(e);
  } catch {
    text = `a thrown ${safeTypeof(e)} that cannot be described`;
  }
  return oneLine(text);
}

/** The first line of `text` that is not blank, at most MAX_THROWN_CHARS characters. */
export function oneLine(text: string): string {
  // The first line that says something: what follows is a stack or a dump.
  const head = text.length > 4 * MAX_THROWN_CHARS ? text.slice(0, 4 * MAX_THROWN_CHARS) : text;
  const first = head.split('\n').find((l) => l.trim() !== '') ?? '';
  const line = first.replace(/\s+/g, ' ').trim() || '(no message)';
  return line.length > MAX_THROWN_CHARS ? `${line.slice(0, MAX_THROWN_CHARS - 1)}…` : line;
}

function describe(e: unknown): string {
  switch (typeof e) {
    case 'string': return e;
    case 'number': case 'boolean': case 'bigint': return `a thrown ${typeof e} ${String(e)}`;
    case 'undefined': return 'a thrown undefined';
    case 'symbol': return `a thrown symbol ${e.toString()}`;
    case 'function': return 'a thrown function';
  }
  if (e === null || e === undefined) return 'a thrown null';
  // An Error, or anything that looks like one: read name and message each on its own guard, so a
  // throwing getter on one still leaves the other.
  const name = field(e, 'name');
  const message = field(e, 'message');
  if (e instanceof Error || (name !== undefined && message !== undefined)) {
    // An empty name (a value carried across threads as a message alone) prints the message alone.
    const m = message ?? '(its message cannot be read)';
    return name === '' ? m : `${name ?? 'Error'}: ${m}`;
  }
  if (Object.getPrototypeOf(e) === null) return 'a thrown object with no prototype';
  const s = String(e);
  return s === '[object Object]' ? 'a thrown object' : `a thrown object: ${s}`;
}

function field(e: unknown, key: 'name' | 'message'): string | undefined {
  try {
    const v = (e as Record<string, unknown>)[key];
    return typeof v === 'string' ? v : undefined;
  } catch {
    return undefined;
  }
}

function safeTypeof(e: unknown): string {
  return e === null ? 'null' : typeof e;
}
