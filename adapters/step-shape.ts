/**
 * Is a step result shaped as core/virtio/effects.ts says? The shape is StepResultSchema's
 * (adapters/step-schema.ts), the one definition; this file turns its issues into the one-line,
 * field-named messages the guard reports (`result.effects[3].gpfns[0]: expected ...`). Apart from
 * shape.ts so that the worker, which checks observations only, does not load zod.
 *
 * @example
 *   stepResultProblems({ outcome: 'accepted', effects: [{ kind: 'frame-freed' }] })
 *   // ['result.effects[0].kind: expected a known effect kind (core/virtio/effects.ts), got the string "frame-freed"']
 */
import type { z } from 'zod';
import { gpfnSpace, type SystemConfig } from '../core/virtio/index.ts';
import { Problems } from './shape.ts';
import { StepResultSchema, type EffectSchema } from './step-schema.ts';

/**
 * Why `r` is not a StepResult; empty when it is one. O(effects + gpfns listed). The shape is
 * StepResultSchema's (adapters/step-schema.ts), the one definition; with `config`, every guest,
 * gpfn and frame an effect names is also checked against the configuration (a gpfn that a
 * buffer only carries may be anything a hostile buffer holds, so only gpfns said to be mapped,
 * accepted, allocated, freed, written or read must lie in the guest's space).
 */
export function stepResultProblems(r: unknown, config?: SystemConfig): string[] {
  const p = new Problems();
  const parsed = StepResultSchema.safeParse(r);
  if (!parsed.success) {
    if (typeof r !== 'object' || r === null || Array.isArray(r)) {
      p.add('result', 'an object', r);
      return p.list;
    }
    const seen = new Set<string>();
    for (const issue of parsed.error.issues) {
      const at = `result${issue.path.map((k) => (typeof k === 'number' ? `[${k}]` : `.${String(k)}`)).join('')}`;
      if (seen.has(at)) continue;
      seen.add(at);
      p.add(at, expectation(issue), valueAt(r, issue.path));
    }
    return p.list;
  }
  if (config) inRange(parsed.data.effects, config, p);
  return p.list;
}

/** What a zod issue expected, in the words the other messages use. */
function expectation(issue: z.core.$ZodIssue): string {
  const last = issue.path[issue.path.length - 1];
  switch (issue.code) {
    case 'invalid_union':
      return last === 'kind' ? 'a known effect kind (core/virtio/effects.ts)' : last === 'outcome' ? "'accepted' or 'refused'" : 'one of the shapes core/virtio/effects.ts describes';
    case 'invalid_value':
      return last === 'code' ? 'a known error code (core/virtio/errors.ts)' : `one of ${issue.values.map(String).join(', ')}`;
    case 'invalid_type':
      return issue.expected === 'int' || issue.expected === 'number' ? 'a whole number' : issue.expected === 'array' ? 'an Array' : `a ${issue.expected}`;
    case 'too_small': case 'too_big': {
      if (issue.origin === 'array') return issue.code === 'too_big' ? `at most ${String(issue.maximum)} entries` : 'more entries';
      const range = numberRange(issue.path);
      return `a whole number from ${range}`;
    }
    default:
      return issue.message;
  }
}

/** The range of the numeric field at `path`, for messages (the schema's bounds, by field). */
function numberRange(path: PropertyKey[]): string {
  const field = path.filter((k) => typeof k === 'string').pop();
  if (field === 'guest') return '0 to 255';
  if (field === 'frame') return `0 to ${2 ** 24}`;
  if (field === 'requested') return `-${2 ** 32 - 1} to ${2 ** 32 - 1}`;
  if (field === 'token' || field === 'value') return `0 to ${Number.MAX_SAFE_INTEGER}`;
  return `0 to ${2 ** 32 - 1}`;
}

function valueAt(root: unknown, path: PropertyKey[]): unknown {
  let v = root;
  try {
    for (const k of path) v = (v as Record<PropertyKey, unknown>)[k];
  } catch {
    return undefined;
  }
  return v;
}

/** Guests, gpfns and frames that the configuration does not have. */
function inRange(effects: readonly z.infer<typeof EffectSchema>[], config: SystemConfig, p: Problems): void {
  const guests = config.guests.length;
  effects.forEach((e, i) => {
    if (p.full) return;
    const at = `result.effects[${i}]`;
    if (e.guest >= guests) { p.add(`${at}.guest`, `a guest index below ${guests}`, e.guest); return; }
    const space = gpfnSpace(config.guests[e.guest]);
    const gpfn = (where: string, n: number) => { if (n >= space) p.add(`${at}.${where}`, `a gpfn below ${space} (guest ${e.guest}'s space)`, n); };
    const list = (where: string, ns: readonly number[]) => {
      const k = ns.findIndex((n) => n >= space);
      if (k >= 0) gpfn(`${where}[${k}]`, ns[k]);
    };
    switch (e.kind) {
      case 'frame-mapped': case 'frame-released':
        gpfn('gpfn', e.gpfn);
        if (e.frame >= config.hostFrames) p.add(`${at}.frame`, `a frame below ${config.hostFrames}`, e.frame);
        break;
      case 'wrote': case 'read': gpfn('gpfn', e.gpfn); break;
      case 'buffer-processed': list('accepted', e.accepted); break;
      case 'pages-allocated': case 'pages-freed': list('gpfns', e.gpfns); break;
    }
  });
}
