/**
 * Is a step result shaped as core/virtio/effects.ts says? The shape is StepResultSchema's
 * (core/virtio/step-schema.ts), the one definition; this file turns its issues into the one-line,
 * field-named messages the guard reports (`result.effects[3].gpfns[0]: expected ...`).
 *
 * @example
 *   stepResultProblems({ outcome: 'accepted', effects: [{ kind: 'frame-freed' }] })
 *   // ['result.effects[0].kind: expected a known effect kind (core/virtio/effects.ts), got the string "frame-freed"']
 */
import { effectsInRange, Problems, schemaProblems, type ShapeWords } from '../shape.ts';
import type { SystemConfig } from './index.ts';
import { StepResultSchema } from './step-schema.ts';

/**
 * Why `r` is not a StepResult; empty when it is one. O(effects + gpfns listed). The shape is
 * StepResultSchema's (core/virtio/step-schema.ts), the one definition; with `config`, every guest,
 * gpfn and frame an effect names is also checked against the configuration (a gpfn that a
 * buffer only carries may be anything a hostile buffer holds, so only gpfns said to be mapped,
 * accepted, allocated, freed, written or read must lie in the guest's space).
 */
export function stepResultProblems(r: unknown, config?: SystemConfig): string[] {
  const p = new Problems();
  const parsed = schemaProblems(StepResultSchema, r, 'result', p, WORDS);
  if (parsed && config) effectsInRange(p, parsed.effects, config, LISTS);
  return p.list;
}

/** The range of the numeric field named `field`, for messages (the schema's bounds, by field). */
function numberRange(field: string | undefined): string {
  if (field === 'guest') return '0 to 255';
  if (field === 'frame') return `0 to ${2 ** 24}`;
  if (field === 'requested') return `-${2 ** 32 - 1} to ${2 ** 32 - 1}`;
  if (field === 'token' || field === 'value') return `0 to ${Number.MAX_SAFE_INTEGER}`;
  return `0 to ${2 ** 32 - 1}`;
}

const WORDS: ShapeWords = { effectsFile: 'core/virtio/effects.ts', errorsFile: 'core/virtio/errors.ts', range: numberRange };

/** The gpfn list each kind carries that must lie in the guest's space (a buffer's own gpfns need not). */
const LISTS = { 'buffer-processed': 'accepted', 'pages-allocated': 'gpfns', 'pages-freed': 'gpfns' } as const;
