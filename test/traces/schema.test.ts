// The shipped JSON Schema is generated from the zod schema; regenerate with
// `npx tsx traces/write-schema.ts`.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { SCHEMA_PATH, schemaText } from '../../traces/write-schema.ts';

describe('traces/trace.schema.json', () => {
  it('is current (regenerate: npx tsx traces/write-schema.ts)', () => {
    expect(readFileSync(SCHEMA_PATH, 'utf8')).toBe(schemaText());
  });

  it('describes both bodies of the one format, commands and VM steps, and requires the essential fields', () => {
    const s = JSON.parse(schemaText());
    const [commands, vm] = s.anyOf;
    expect(Object.keys(commands.properties)).toEqual([
      'format', 'version', 'tool', 'family', 'source', 'note', 'config', 'seed', 'path', 'properties', 'expect', 'commands',
    ]);
    expect(commands.required).toEqual(['format', 'version', 'tool', 'family', 'source', 'config', 'properties', 'expect', 'commands']);
    expect(Object.keys(vm.properties)).toEqual([
      'format', 'version', 'tool', 'family', 'source', 'note', 'seed', 'path', 'properties', 'expect', 'steps',
    ]);
    expect(vm.required).toEqual(['format', 'version', 'tool', 'family', 'source', 'properties', 'expect', 'steps']);
    expect([commands.additionalProperties, vm.additionalProperties]).toEqual([false, false]);
    // Where a trace came from: three sources of commands, and a real VM.
    expect(commands.properties.source.oneOf.map((o: any) => o.properties.kind.const)).toEqual(['reference', 'adapter', 'model']);
    expect(vm.properties.source.properties.kind.const).toBe('qemu');
  });
});
