// The shipped JSON Schema is generated from the zod schema; regenerate with
// `npx tsx traces/write-schema.ts`.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { SCHEMA_PATH, schemaText } from '../../traces/write-schema.ts';

describe('traces/trace.schema.json', () => {
  it('is current (regenerate: npx tsx traces/write-schema.ts)', () => {
    expect(readFileSync(SCHEMA_PATH, 'utf8')).toBe(schemaText());
  });

  it('describes the top-level fields and requires the essential ones', () => {
    const s = JSON.parse(schemaText());
    expect(Object.keys(s.properties)).toEqual([
      'format', 'version', 'tool', 'family', 'impl', 'faults', 'note', 'config', 'seed', 'path', 'properties', 'expect', 'commands',
    ]);
    expect(s.required).toEqual(['format', 'version', 'tool', 'family', 'impl', 'faults', 'config', 'properties', 'expect', 'commands']);
    expect(s.additionalProperties).toBe(false);
  });
});
