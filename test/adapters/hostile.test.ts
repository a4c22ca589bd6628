/**
 * Hostile adapters (test/fixtures/adapters/hostile/): no adapter may make a checker pass, crash
 * it, or corrupt its output (issue #13). Each fixture ends in a named failure (exit 1) or an
 * unusable-input error (exit 2), never a pass, never a stack trace, and `--json` output parses.
 *
 * Every fixture runs through the library in this process (one campaign each, as `check` runs
 * it); hostile-cli.test.ts runs a representative set through the real command line. Time limits
 * here are generous "does not hang" bounds, not timing assertions.
 */
import { readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { configProblems } from '../../core/virtio/index.ts';
import { openImplementation } from '../../adapters/index.ts';
import { UsageError } from '../../core/usage.ts';
import { allProperties } from '../../properties/index.ts';
import { runCampaign } from '../../properties/campaign.ts';

import { DIR, fixture, STEP_MS, withSyntaxError } from './hostile-fixtures.ts';

withSyntaxError();

/** Fixtures that run and must fail, with the message their failure must carry. */
const FAILING: [string, RegExp][] = [
  ['throw-null-proto', /^the step threw: a thrown object with no prototype$/],
  ['throw-tostring-throws', /^the step threw: a thrown object that cannot be described$/],
  ['throw-undefined', /^the step threw: a thrown undefined$/],
  ['throw-symbol', /^the step threw: a thrown symbol Symbol\(boom\)$/],
  ['throw-number', /^the step threw: a thrown number 42$/],
  ['throw-huge-string', /^the step threw: (HUGE)+H?U?G?…$/],
  ['throw-error-getter', /^the step threw: Error: \(its message cannot be read\)$/],
  ['exit-zero', /^the step threw: ProcessExit: the implementation called process\.exit\(0\) during `.+`$/],
  ['write-stdout', /^the step threw: Error: after writing to stdout$/],
  ['write-stderr', /^the step threw: Error: after writing to stderr$/],
  ['hang-apply', /^the step threw: StepTimeout: no answer to `reset g\d` within 500 ms; the worker running the implementation was stopped$/],
  ['hang-observe', /^the step threw: StepTimeout: no answer to `reset g\d` within 500 ms/],
  ['promise-rejected', /^the step threw: RangeError: the socket closed$/],
  ['nan-field', /^the step threw: MalformedStepResult: result\.effects\[\d+\]\.actual: expected a whole number, got the number NaN$/],
  ['negative-field', /^the step threw: MalformedStepResult: result\.effects\[0\]\.frame: expected a whole number from 0 to 16777216, got the number -5$/],
  ['huge-field', /^the step threw: MalformedStepResult: result\.effects\[0\]\.gpfns\[1\]: expected a whole number from 0 to 4294967295, got the number 9007199254740992$/],
  ['missing-field', /^the step threw: MalformedStepResult: result\.effects\[0\]\.gpfns: expected an Array, got nothing \(undefined\)$/],
  ['wrong-type-field', /^the step threw: MalformedStepResult: result\.effects\[0\]\.gpfns: expected an Array, got null$/],
  ['bad-refused-code', /^the step threw: MalformedStepResult: result\.effects\[0\]\.refused\[0\]\.code: expected a known error code \(core\/virtio\/errors\.ts\), got the string "nope"$/],
  ['observation-nan', /^the step threw: MalformedObservation: guests\[0\]\.target: expected a whole number, got the number NaN/],
  ['effect-flood', /^the step threw: MalformedStepResult: result\.effects: 200000 effects in one step, more than the 65536 a step may report/],
  // The timer fires whenever the worker's loop gets to it: during or after the step that set it, or,
  // on a loaded machine, only once the next system is being created; each is named as escaped.
  ['crash-in-timer', /^(the step|creating the system) threw: EscapedException: an exception escaped the implementation \(Error: late failure in a timer\) (during|after) /],
  ['mutates-command', /^the step threw: Error: mutated the command, then threw$/],
  ['mutates-config', /^the step threw: Error: mutated the configuration, then threw$/],
];

/** Fixtures that are unusable at load time: one line, exit 2. */
const UNUSABLE: [string, RegExp][] = [
  ['hang-factory', /: StepTimeout: no answer to building one system on a small valid configuration within 500 ms/],
  ['exit-in-factory', /: ProcessExit: the implementation called process\.exit\(3\) during building one system on a small valid configuration$/],
  ['config-getter-throws', /: reading the system's `config` threw: a thrown object with no prototype$/],
  ['factory-throws-unprintable', /: the factory threw on a small valid configuration: a thrown object that cannot be described$/],
  ['syntax-error', /: failed to load: syntax error at .*syntax-error\.ts:3:\d+: Expected identifier but found ","$/],
];

describe('the hostile fixtures', () => {
  it('are at least 20 kinds, each listed here once', () => {
    const files = readdirSync(DIR).filter((f) => /\.(ts|txt)$/.test(f) && f !== 'wrap.ts').map((f) => f.replace(/\.(ts|txt)$/, ''));
    const listed = [...FAILING, ...UNUSABLE].map(([n]) => n).concat('async-ok');
    expect(new Set(files)).toEqual(new Set(listed));
    expect(FAILING.length + UNUSABLE.length).toBeGreaterThanOrEqual(20);
  });
});

describe('a campaign on each hostile adapter (library, in this process)', () => {
  it.each(FAILING)('%s: a named failure, shrunk, never a pass', async (name, message) => {
    const impl = await openImplementation(fixture(name), { stepTimeout: STEP_MS });
    try {
      const report = runCampaign({ factory: impl.factory, properties: allProperties, runs: 20, seed: 1, maxCommands: 40, stopAtFirst: true });
      expect(report.counterexamples).toHaveLength(1);
      const cx = report.counterexamples[0];
      expect(cx.property).toBe('no-crash');
      expect(cx.failure.violation.message).toMatch(message);
      expect(cx.failure.violation.message.length).toBeLessThan(400);
      expect(report.verdicts.find((v) => v.name === 'no-crash')?.verdict).toBe('failed');
      // What it was handed was a copy: the report's case is what the campaign generated.
      expect(configProblems(cx.case.config)).toEqual([]);
      if (cx.failure.command) expect(cx.failure.command.guest).toBeLessThan(cx.case.config.guests.length);
      if (name.startsWith('write-')) expect(impl.output()!.bytes).toBeGreaterThan(0);
    } finally {
      impl.stop();
    }
  }, 120_000);

  it.each(UNUSABLE)('%s: refused at load time with one line', async (name, message) => {
    const e = await openImplementation(fixture(name), { stepTimeout: STEP_MS }).then(() => null, (x: unknown) => x);
    expect(e).toBeInstanceOf(UsageError);
    expect((e as UsageError).message).toMatch(message);
    expect((e as UsageError).message).not.toContain('\n');
  }, 60_000);

  it('awaits an adapter whose factory, apply and observe return Promises', async () => {
    const impl = await openImplementation(fixture('async-ok'), { stepTimeout: STEP_MS });
    try {
      const report = runCampaign({ factory: impl.factory, properties: allProperties, runs: 10, seed: 1, maxCommands: 30 });
      expect(report.counterexamples.map((c) => c.property)).toEqual([]);
      expect(report.verdicts.every((v) => v.runs === 10)).toBe(true);
    } finally {
      impl.stop();
    }
  }, 120_000);

  it('refuses a Promise in-process with a message that says what to do', async () => {
    // The load-time probe awaits; the first case is where the synchronous guard meets the Promise.
    const impl = await openImplementation(fixture('async-ok'), { stepTimeout: '0' });
    const report = runCampaign({ factory: impl.factory, properties: allProperties, runs: 5, seed: 1, maxCommands: 10, stopAtFirst: true });
    expect(report.counterexamples[0].failure.violation.message).toBe(
      'creating the system threw: MalformedSystem: the factory returned a Promise: in-process adapters are synchronous; run it in a worker (the default for --impl), see docs/ADAPTERS.md');
  });
});

