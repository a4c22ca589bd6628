/**
 * traces/zoo/: the shrunk counterexample of every bug-zoo fault replays to its recorded failure
 * with the fault on, and every property holds on the same commands with the fault off.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { createReferenceSystem, faultNames } from '../../impl/virtio/index.ts';
import { allProperties, runCase } from '../../properties/index.ts';
import { factoryForTrace, loadTrace, replayTrace, serializeTrace } from '../../traces/index.ts';
import { ZOO_DIR, zooTrace } from '../../traces/write-zoo.ts';

const files = readdirSync(ZOO_DIR).filter((f) => f.endsWith('.json')).sort();

it('has one trace per fault', () => {
  expect(files).toEqual(faultNames.map((f) => `${f}.json`).sort());
});

describe.each(files)('traces/zoo/%s', (file) => {
  const path = `${ZOO_DIR}${file}`;
  const trace = loadTrace(path);

  it('reproduces its failure with the fault on', () => {
    const r = replayTrace(trace, { factory: factoryForTrace(trace, path), properties: allProperties, file: path });
    expect(r.verdict).toBe('reproduced');
  });

  it('holds with the fault off', () => {
    const r = runCase(createReferenceSystem, trace.config, trace.commands, allProperties);
    expect(r.failure?.violation.message ?? null).toBeNull();
  });
});

it('is what the generator writes today (npm run zoo:traces)', () => {
  const name = faultNames[0];
  expect(readFileSync(`${ZOO_DIR}${name}.json`, 'utf8')).toBe(serializeTrace(zooTrace(name)!));
});
