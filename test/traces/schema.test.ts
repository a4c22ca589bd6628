// The shipped JSON Schema is generated from the zod schema; regenerate with
// `npx tsx traces/write-schema.ts`.
import { FAMILIES } from '../../properties/families.ts';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { SCHEMA_PATH, schemaText } from '../../traces/write-schema.ts';

describe('traces/trace.schema.json', () => {
  it('is current (regenerate: npx tsx traces/write-schema.ts)', () => {
    expect(readFileSync(SCHEMA_PATH, 'utf8')).toBe(schemaText());
  });

  it('describes both bodies of the one format, commands and VM steps, and requires the essential fields', () => {
    const s = JSON.parse(schemaText());
    const [byFamily, vm] = s.anyOf;
    // A trace of commands has one body per installed family, told apart by `family`.
    expect(byFamily.oneOf.map((b: any) => b.properties.family.const)).toEqual(FAMILIES.map((f) => f.name));
    for (const commands of byFamily.oneOf) {
    expect(Object.keys(commands.properties)).toEqual([
      'format', 'version', 'tool', 'family', 'source', 'note', 'config', 'seed', 'path', 'properties', 'expect', 'commands',
    ]);
    expect(commands.required).toEqual(['format', 'version', 'tool', 'family', 'source', 'config', 'properties', 'expect', 'commands']);
    expect(commands.additionalProperties).toBe(false);
    // Where a trace came from: three sources of commands (a real VM is the other body).
    expect(commands.properties.source.oneOf.map((o: any) => o.properties.kind.const)).toEqual(['reference', 'adapter', 'model']);
    }
    expect(Object.keys(vm.properties)).toEqual([
      'format', 'version', 'tool', 'family', 'source', 'note', 'seed', 'path', 'properties', 'expect', 'steps',
    ]);
    expect(vm.required).toEqual(['format', 'version', 'tool', 'family', 'source', 'properties', 'expect', 'steps']);
    expect(vm.additionalProperties).toBe(false);
    expect(vm.properties.source.properties.kind.const).toBe('qemu');
  });
});
