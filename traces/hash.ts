/**
 * The content hash in a saved trace's file name. `saveTrace` names a file
 * `<property>-<hash>.json`, where the hash is the first 12 hex digits of the SHA-256 of the file's
 * bytes exactly as written (the canonical text, UTF-8, trailing newline included). So a file
 * whose bytes no longer hash to its name was changed after it was saved: edited, reformatted or
 * cut short. Files named without such a hash (the corpus, the zoo, a renamed file) are not checked.
 */
import { createHash } from 'node:crypto';
import { basename } from 'node:path';

/** Hex digits of the SHA-256 kept in a file name. */
export const HASH_DIGITS = 12;

const NAMED = new RegExp(`-([0-9a-f]{${HASH_DIGITS}})\\.json$`);

/** The hash `saveTrace` puts in a file name, of a file's text or bytes. */
export function contentHash(content: string | Uint8Array): string {
  return createHash('sha256').update(content).digest('hex').slice(0, HASH_DIGITS);
}

export type HashCheck =
  | { status: 'unnamed' }
  | { status: 'matches'; hash: string }
  | { status: 'differs'; named: string; actual: string };

/**
 * Whether `bytes`, the content of `file`, still hash to the hash in its name.
 *
 * @example
 *   checkContentHash('traces/failures/progress-0123456789ab.json', readFileSync(file));
 *   // { status: 'differs', named: '0123456789ab', actual: '5d41402abc4b' } after an edit
 */
export function checkContentHash(file: string, bytes: Uint8Array): HashCheck {
  const m = NAMED.exec(basename(file));
  if (!m) return { status: 'unnamed' };
  const actual = contentHash(bytes);
  return actual === m[1] ? { status: 'matches', hash: actual } : { status: 'differs', named: m[1], actual };
}

/** The one line that says a file's content no longer matches its name. */
export function hashMismatchProblem(check: Extract<HashCheck, { status: 'differs' }>): string {
  return `the content hash in the file name is ${check.named} but the content hashes to ${check.actual}: the file was changed after it was saved`;
}
