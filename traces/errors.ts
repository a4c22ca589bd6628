/**
 * The one error a trace file can cause. Its message is one line, `file: field path: problem`, so
 * the command line prints it as it is (exit 2) and a test can compare it whole.
 *
 * @example
 *   throw new TraceError('t.json', 'commands[3].guest', 'guest 5 is out of range (the config has 2 guests, 0 to 1)');
 *   // message: "t.json: commands[3].guest: guest 5 is out of range (the config has 2 guests, 0 to 1)"
 */
export class TraceError extends Error {
  constructor(
    /** The file as the user named it. */
    readonly file: string,
    /** Where in the file, as `commands[3].guest`; empty for the file as a whole. */
    readonly at: string,
    readonly problem: string,
  ) {
    super([file, at, problem].filter((s) => s !== '').join(': '));
    this.name = 'TraceError';
  }
}

/** `['commands', 3, 'guest']` → `commands[3].guest`. */
export function fieldPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const k of path) {
    if (typeof k === 'number') out += `[${k}]`;
    else out += out === '' ? String(k) : `.${String(k)}`;
  }
  return out;
}
