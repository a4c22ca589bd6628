/**
 * The normative matrix (properties/virtio/spec-matrix.ts, docs/virtio-spec.md) against the code:
 * every rule set, property and test it names exists; every rule that claims a statement, and every
 * virtio property whose refs cite one, is named on that statement's row; the document holds the
 * generated table; `balloon spec` prints the count.
 */
import { existsSync, readFileSync } from 'node:fs';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { RULES, type Rule } from '../../model/virtio/rules.ts';
import { HINT_RULES, type HintRule } from '../../model/virtio/hinting-rules.ts';
import { HINT_PROPERTIES } from '../../properties/virtio/hinting/run.ts';
import { familyByName } from '../../properties/index.ts';
import { SPEC_STATEMENTS, specCounts, updateSpecBlock } from '../../properties/virtio/spec-matrix.ts';
import { main } from '../../cli/main.ts';

const row = (n: number) => SPEC_STATEMENTS.find((x) => x.n === n)!;
// Through the registry, not properties/virtio/family.ts: importing a family first would run the registry's cycle out of order.
const virtio = familyByName('virtio');
const propertyNames = new Set(virtio.properties.map((p) => p.name));
const hintPropertyNames = new Set(HINT_PROPERTIES.map((p) => p.name));
const enforcing = (b: string) => b.startsWith('rule:') || b.startsWith('property:') || b.startsWith('hint-rule:') || b.startsWith('hint-property:');

describe('the virtio normative matrix', () => {
  it('lists the 65 statements of 5.5 in order, each in a 5.5 section with a keyword', () => {
    expect(SPEC_STATEMENTS.map((x) => x.n)).toEqual(Array.from({ length: 65 }, (_, i) => i + 1));
    for (const x of SPEC_STATEMENTS) {
      expect(x.section, `statement ${x.n}`).toMatch(/^5\.5\.\d+(\.\d+)*$/);
      expect(['MUST', 'MUST NOT', 'SHOULD', 'SHOULD NOT', 'MAY']).toContain(x.keyword);
    }
  });

  it('names only rule sets, properties and tests that exist', () => {
    const missing: string[] = [];
    for (const x of SPEC_STATEMENTS) {
      for (const b of x.by) {
        const [kind, name] = [b.slice(0, b.indexOf(':')), b.slice(b.indexOf(':') + 1)];
        const ok = kind === 'rule' ? Object.hasOwn(RULES, name) : kind === 'property' ? propertyNames.has(name)
          : kind === 'hint-rule' ? Object.hasOwn(HINT_RULES, name) : kind === 'hint-property' ? hintPropertyNames.has(name)
          : kind === 'test' ? existsSync(name) : false;
        if (!ok) missing.push(`${x.n}: ${b}`);
      }
    }
    expect(missing).toEqual([]);
  });

  it('says what enforces every encoded statement and why any other is not', () => {
    for (const x of SPEC_STATEMENTS) {
      if (x.status === 'encoded') expect(x.by.length, `statement ${x.n}`).toBeGreaterThan(0);
      else expect(x.note, `statement ${x.n}`).toBeTruthy();
      if (x.status === 'encoded') expect(x.by.some(enforcing), `statement ${x.n} needs a rule or property`).toBe(true);
    }
  });

  it('names every rule that claims a statement on that statement\'s row', () => {
    const unlisted: string[] = [];
    let claims = 0;
    for (const [set, rules] of Object.entries(RULES) as [string, Rule[]][]) {
      for (const r of rules) {
        for (const n of r.stmt ?? []) {
          claims++;
          if (!row(n)?.by.includes(`rule:${set}`)) unlisted.push(`${set} claims ${n}: ${r.says}`);
        }
      }
    }
    for (const [set, rules] of Object.entries(HINT_RULES) as [string, HintRule[]][]) {
      for (const r of rules) {
        for (const n of r.stmt ?? []) {
          claims++;
          if (!row(n)?.by.includes(`hint-rule:${set}`)) unlisted.push(`hinting ${set} claims ${n}: ${r.says}`);
        }
      }
    }
    expect(unlisted).toEqual([]);
    expect(claims).toBeGreaterThan(10);
  });

  it('names every virtio property whose refs cite a statement on that statement\'s row', () => {
    const unlisted: string[] = [];
    for (const p of virtio.properties) {
      for (const m of p.refs.matchAll(/statements? ((?:\d+(?:, | and )?)+)/g)) {
        for (const n of m[1].split(/, | and /).map(Number)) if (!row(n)?.by.includes(`property:${p.name}`)) unlisted.push(`${p.name} cites ${n}`);
      }
    }
    for (const p of HINT_PROPERTIES) {
      for (const m of p.refs.matchAll(/statements? ((?:\d+(?:, | and )?)+)/g)) {
        for (const n of m[1].split(/, | and /).map(Number)) if (!row(n)?.by.includes(`hint-property:${p.name}`)) unlisted.push(`${p.name} cites ${n}`);
      }
    }
    expect(unlisted).toEqual([]);
  });

  it('pins the count (a change to the encoding shows up here and in docs/virtio-spec.md)', () => {
    expect(specCounts()).toEqual({ encoded: 56, partial: 0, 'not encoded': 0, 'not applicable': 9, total: 65, applicable: 56 });
  });

  it('docs/virtio-spec.md holds the generated matrix', () => {
    const doc = readFileSync('docs/virtio-spec.md', 'utf8');
    expect(doc, 'docs/virtio-spec.md is stale: run `npx balloon spec --update docs/virtio-spec.md`').toBe(updateSpecBlock(doc));
  });
});

describe('balloon spec', () => {
  let out = '';
  beforeEach(() => {
    out = '';
    vi.spyOn(process.stdout, 'write').mockImplementation((s) => { out += String(s); return true; });
  });
  afterEach(() => { vi.restoreAllMocks(); process.exitCode = undefined; });

  it('prints the matrix and the count encoded', async () => {
    expect(await main(['spec'])).toBe(0);
    expect(out).toContain('56 of 65 statements encoded, 0 partial, 0 not encoded, 9 not applicable');
    expect(out).toMatch(/\n25\s+5\.5\.6\.3\.1\s+MUST\s+STATS_VQ\s+encoded\s+rule:statsPostAllowed/);
  });

  it('--json prints the statements and the counts', async () => {
    expect(await main(['spec', '--json'])).toBe(0);
    const r = JSON.parse(out);
    expect(r).toMatchObject({ family: 'virtio', total: 65, encoded: 56, applicable: 56 });
    expect(r.statements).toHaveLength(65);
    expect(r.statements[9]).toMatchObject({ n: 10, keyword: 'MAY', status: 'encoded', by: expect.arrayContaining(['rule:inflateAllowed']) });
  });
});
