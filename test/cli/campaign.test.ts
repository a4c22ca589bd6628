// balloon campaign and balloon merge (issue 23): the same runs and failures whatever the number of
// workers or shards, a zoo fault held once in a merged report, four shard processes merged equal
// to the whole, Ctrl-C leaving a partial report, and unusable flags as one line with exit 2.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { captureCli } from '../helpers/cli.ts';
import { main } from '../../cli/main.ts';
import { parseDuration } from '../../cli/commands/campaign.ts';
import { progressLine } from '../../cli/campaign/progress.ts';
import { runShard } from '../../cli/campaign/pool.ts';
import { readReport } from '../../cli/campaign/merge.ts';
import { comparable, type CampaignFileReport } from '../../cli/campaign/report.ts';
import { shardOf } from '../../properties/shard.ts';
import { loadTrace } from '../../traces/load.ts';

const io = captureCli();
let root = '';
beforeAll(() => { root = mkdtempSync(join(tmpdir(), 'balloon-campaign-')); });
afterAll(() => rmSync(root, { recursive: true, force: true }));

const dir = (name: string) => join(root, name);
const reportIn = (d: string) => readReport(join(d, readdirSync(d).find((f) => f.startsWith('campaign-'))!));

// Four units of 25 runs of virtio with the zoo's actual-before-ack (actual written before the
// host acknowledged) on. At seed 6 units of both shards shrink to some of the same minimal
// failures (two of them), so merging must fold them. These numbers are pinned to the workload:
// if a change to the workload leaves no failure found in both shards, pick another seed where one
// is (the whole report's foundIn lists say which).
const FAULTY = ['campaign', '--family', 'virtio', '--fault', 'actual-before-ack', '--runs', '100', '--chunk', '25', '--seed', '6'];

describe('a zoo fault: workers and shards give the same runs and failures', () => {
  let whole: CampaignFileReport;
  beforeAll(async () => {
    vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
    vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    expect(await main([...FAULTY, '--workers', '2', '--out', dir('w2')])).toBe(1);
    expect(await main([...FAULTY, '--workers', '1', '--out', dir('w1')])).toBe(1);
    expect(await main([...FAULTY, '--workers', '1', '--shard', '1/2', '--out', dir('s1')])).toBe(1);
    expect(await main([...FAULTY, '--workers', '1', '--shard', '2/2', '--out', dir('s2')])).toBe(1);
    vi.restoreAllMocks();
    whole = reportIn(dir('w2'));
  }, 180_000);

  it('the whole campaign ran every unit and found the fault', () => {
    expect(whole.units.map((u) => u.unit)).toEqual([0, 1, 2, 3]);
    expect(whole.units.map((u) => u.runs)).toEqual([25, 25, 25, 25]);
    expect(whole.failures.length).toBeGreaterThan(0);
    expect(whole.interrupted || whole.partial).toBe(false);
    // Each failure once, every unit's keys among them, and the trace saved where it says.
    expect(new Set(whole.failures.map((f) => f.key)).size).toBe(whole.failures.length);
    for (const u of whole.units) for (const k of u.failures) expect(whole.failures.some((f) => f.key === k && f.foundIn.includes(u.unit))).toBe(true);
    for (const f of whole.failures) expect(loadTrace(join(dir('w2'), f.file)).expect).toMatchObject({ verdict: 'fail', property: f.property });
  });

  it('1 worker and 2 workers: the same report but for times and the worker count', () => {
    expect(comparable(reportIn(dir('w1')))).toEqual(comparable(whole));
  });

  it('shards 1/2 and 2/2 merged equal the whole, each failure held once', async () => {
    expect(reportIn(dir('s1')).units.length + reportIn(dir('s2')).units.length).toBe(4);
    expect(await main(['merge', dir('s1'), dir('s2'), '--out', dir('m'), '--json'])).toBe(1);
    const summary = JSON.parse(io.out);
    expect(summary).toMatchObject({ ok: false, complete: true, interrupted: false, partial: false });
    const merged = reportIn(dir('m'));
    expect(comparable(merged)).toEqual(comparable(whole));
    expect(merged.shards).toEqual([{ index: 1, count: 2 }, { index: 2, count: 2 }]);
    // Some failure was found in both shards, and the merge holds it once, with both units.
    const both = merged.failures.filter((f) => new Set(f.foundIn.map((u) => shardOf(u, 2))).size === 2);
    expect(both.length).toBeGreaterThan(0);
    const inShards = [...reportIn(dir('s1')).failures, ...reportIn(dir('s2')).failures];
    expect(inShards.length).toBe(merged.failures.length + both.length);
    expect(readdirSync(join(dir('m'), 'traces')).sort()).toEqual(merged.failures.map((f) => f.file.replace('traces/', '')).sort());
  });

  it('a shard merged twice (a CI job run again) changes nothing: its units and failures are held once', async () => {
    expect(await main(['merge', dir('s1'), dir('s2'), join(dir('s1'), 'campaign-seed6-shard1of2.json'), dir('s1')])).toBe(1);
    expect(await main(['merge', dir('s2'), dir('s1'), dir('s1'), '--out', dir('m2')])).toBe(1);
    expect(comparable(reportIn(dir('m2')))).toEqual(comparable(whole));
  });

  it('merging one shard alone is incomplete: exit 1, and says which shard is missing', async () => {
    expect(await main(['merge', dir('s1')])).toBe(1);
    expect(io.err).toMatch(/^balloon merge: INCOMPLETE: shard\(s\) 2\/2 missing/m);
  });

  it('a crafted report is refused in one line, exit 2 (shards out of range made merge build an array of 2^31 entries; a failure\'s file was joined and printed as given)', async () => {
    const report = JSON.parse(readFileSync(join(dir('s1'), 'campaign-seed6-shard1of2.json'), 'utf8'));
    expect(report.failures.length).toBeGreaterThan(0);
    const crafted: [object, RegExp][] = [
      [{ ...report, shards: [{ index: 1, count: 2 ** 31 }] }, /shards\.0\.count: Too big/],
      [{ ...report, shards: [{ index: 5, count: 2 }] }, /shard index past the shard count/],
      [{ ...report, failures: [{ ...report.failures[0], file: '../../../etc/passwd' }] }, /failures\.0\.file/],
    ];
    for (const [content, says] of crafted) {
      const file = join(root, 'crafted.json');
      writeFileSync(file, JSON.stringify(content));
      io.err = '';
      expect(await main(['merge', file, '--out', dir('crafted-out')])).toBe(2);
      expect(io.err).toMatch(says);
      expect(io.err.trim().split('\n')).toHaveLength(1);
      // Nothing is made for a report that cannot be merged.
      expect(existsSync(dir('crafted-out'))).toBe(false);
    }
  });
  it('the text summary names each failure with its trace and replay command', async () => {
    expect(await main(['merge', dir('s1'), dir('s2')])).toBe(1);
    expect(io.out).toMatch(/^virtio\s+4\s+100\s+\d+\s+\d+$/m);
    expect(io.out).toMatch(/✗ virtio \S+ \(found by \d+ unit\(s\): [\d, ]+\), step -?\d+: /);
    expect(io.out).toMatch(/replay: npx balloon replay \S+s[12]\/traces\/\S+\.json/);
    expect(io.out).toMatch(/\d+ distinct failure\(s\) FOUND: 100 runs/);
  });
});

it('four shard processes (deploy/run-shard.sh as a Kubernetes pod runs it) merged equal the whole campaign, on every family', async () => {
  const args = ['--runs', '40', '--chunk', '20', '--seed', '5'];
  const runs = [0, 1, 2, 3].map((i) => new Promise<number | null>((resolve) => {
    const env = { ...process.env, SHARD_INDEX: String(i), SHARDS: '4', SEED: '5', RUNS: '40', CHUNK: '20', WORKERS: '1', OUT: dir(`p${i}`), BALLOON: `${process.execPath} bin/balloon.js` };
    const child = spawn('bash', ['deploy/run-shard.sh'], { stdio: 'ignore', env });
    child.on('exit', (c) => resolve(c));
  }));
  expect(await Promise.all(runs)).toEqual([0, 0, 0, 0]);
  expect(await main(['campaign', ...args, '--workers', '2', '--out', dir('p')])).toBe(0);
  expect(await main(['merge', dir('p0'), dir('p1'), dir('p2'), dir('p3'), '--out', dir('pm')])).toBe(0);
  const whole = reportIn(dir('p'));
  expect(whole.settings.families.length).toBeGreaterThan(1);
  expect(new Set(whole.units.map((u) => u.family))).toEqual(new Set(whole.settings.families));
  expect(comparable(reportIn(dir('pm')))).toEqual(comparable(whole));
  expect(io.out).toMatch(/every property held: \d+ runs/);
}, 180_000);

it('the recipes agree with themselves: as many shards as matrix entries or completions, each running deploy/run-shard.sh', () => {
  const gha = readFileSync('deploy/github-actions.yml', 'utf8');
  const shards = Number(/^\s+SHARDS: (\d+)/m.exec(gha)![1]);
  expect(/shard: \[([\d, ]+)\]/.exec(gha)![1].split(',').map(Number)).toEqual(Array.from({ length: shards }, (_, i) => i + 1));
  expect(gha).toContain('bash deploy/run-shard.sh');
  expect(gha).toMatch(/npx balloon merge shards\/\* /);
  const k8s = readFileSync('deploy/k8s-indexed-job.yaml', 'utf8');
  const completions = Number(/completions: (\d+)/.exec(k8s)![1]);
  expect(Number(/name: SHARDS\n\s+value: "(\d+)"/.exec(k8s)![1])).toBe(completions);
  expect(k8s).toContain('completionMode: Indexed');
  expect(k8s).toContain('SHARD_INDEX="$JOB_COMPLETION_INDEX"');
  expect(readFileSync('deploy/k8s-merge-job.yaml', 'utf8')).toContain('npx balloon merge /results/shard-*');
});

it('Ctrl-C: the workers end, a partial report says so and keeps the failures found so far, exit 130', async () => {
  vi.restoreAllMocks();
  const d = dir('int');
  const child = spawn(process.execPath, ['bin/balloon.js', 'campaign', '--family', 'virtio', '--fault', 'unaligned-target', '--runs', '1000000', '--seed', '3', '--workers', '2', '--out', d], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (b) => { stdout += String(b); });
  child.stderr.on('data', (b) => { stderr += String(b); });
  const t = setInterval(() => {
    if (existsSync(join(d, 'traces')) && readdirSync(join(d, 'traces')).some((f) => f.endsWith('.json'))) { clearInterval(t); child.kill('SIGINT'); }
  }, 20);
  const code = await new Promise<number | null>((resolve) => child.on('exit', (c) => resolve(c)));
  clearInterval(t);
  expect(stderr).not.toMatch(/\n\s+at /);
  expect(code).toBe(130);
  expect(stdout).toMatch(/\nINTERRUPTED: partial report, \d+ unit\(s\) finished: \d+ distinct failure\(s\) so far/);
  const r = reportIn(d);
  expect(r).toMatchObject({ interrupted: true, partial: true });
  expect(r.units.length).toBeLessThan(10_000);
  expect(r.failures.length).toBeGreaterThan(0);
  for (const f of r.failures) expect(existsSync(join(d, f.file))).toBe(true);
  expect(readdirSync(d).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  // A partial report merges, and the merge says it is not the whole campaign.
  vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
  vi.spyOn(process.stderr, 'write').mockImplementation((s) => { io.err += String(s); return true; });
  expect(await main(['merge', d])).toBe(1);
  expect(io.err).toMatch(/INCOMPLETE: a shard was cut short/);
}, 120_000);

describe('unusable input: one line, exit 2', () => {
  beforeAll(() => {
    writeFileSync(join(root, 'not-json.json'), '{"format": "balloon-campaign", ');
    writeFileSync(join(root, 'other.json'), JSON.stringify({ format: 'balloon-campaign', version: 1 }));
  });
  it.each([
    [['campaign', '--shard', '3/2'], /^balloon: --shard: shard 3 of 2 does not exist: I must be 1 to N\n$/],
    [['campaign', '--shard', 'half'], /^balloon: --shard: expected I\/N \(shard I of N, for example 1\/4\), got "half"\n$/],
    [['campaign', '--workers', '0'], /^balloon: --workers: expected a whole number from 1 to 256, got "0"\n$/],
    [['campaign', '--runs', '-3'], /^balloon: --runs: expected a whole number/],
    [['campaign', '--chunk', 'x'], /^balloon: --chunk: expected a whole number/],
    [['campaign', '--time', '5 minutes'], /^balloon: --time: expected a duration such as 90s, 10m, 2h or 1h30m, got "5 minutes"\n$/],
    [['campaign', '--time', '10m', '--runs', '5'], /^balloon: --time and --runs: give one budget, not both\n$/],
    [['campaign', '--fault', 'gremlins'], /^balloon: --fault: unknown virtio fault "gremlins"/],
    [['campaign', '--family', 'nope'], /^balloon: --family: unknown family "nope"/],
    [['campaign', '--property', 'nope'], /^balloon: --property: unknown property "nope"/],
    [['campaign', '--frobnicate'], /^balloon: unknown option '--frobnicate' \(valid for campaign: /],
    [['merge', join(tmpdir(), 'balloon-no-such-dir')], /^balloon: \S+balloon-no-such-dir: no such file or folder\n$/],
    [['merge', 'package.json'], /^balloon: package.json: not a campaign report: format: /],
  ])('%j', async (argv, msg) => {
    expect(await main(argv)).toBe(2);
    expect(io.err).toMatch(msg);
    expect(io.err.trim().split('\n')).toHaveLength(1);
    expect(io.err).not.toMatch(/\bat .*\.ts:\d+/);
  });
  it('a shard with no seed given: each machine\'s clock would give another campaign', async () => {
    const saved = process.env.FC_SEED;
    delete process.env.FC_SEED;
    try {
      expect(await main(['campaign', '--shard', '1/2'])).toBe(2);
    } finally {
      if (saved !== undefined) process.env.FC_SEED = saved;
    }
    expect(io.err).toBe('balloon: --shard 1/2: give every shard the same --seed (or FC_SEED)\n');
  });
  it('a truncated report, a report missing fields, and reports of two campaigns', async () => {
    expect(await main(['merge', join(root, 'not-json.json')])).toBe(2);
    expect(io.err).toMatch(/not-json.json: not JSON/);
    expect(await main(['merge', join(root, 'other.json')])).toBe(2);
    expect(io.err).toMatch(/other.json: not a campaign report: tool: /);
  });
});

it('reports of two different campaigns do not merge (exit 2, naming what differs)', async () => {
  const d1 = dir('c1');
  const d2 = dir('c2');
  expect(await main(['campaign', '--family', 'xen', '--runs', '10', '--seed', '1', '--workers', '1', '--shard', '1/2', '--out', d1])).toBe(0);
  await main(['campaign', '--family', 'xen', '--runs', '10', '--seed', '2', '--workers', '1', '--shard', '2/2', '--out', d2]);
  io.err = '';
  expect(await main(['merge', d1, d2])).toBe(2);
  expect(io.err).toMatch(/^balloon: merge: \S+ is of another campaign than \S+ \(seed differs: 2 against 1\)\n$/);
});

it('a time budget: units start until the deadline, numbered from 0 with none skipped, and --json is one object', async () => {
  const d = dir('time');
  expect(await main(['campaign', '--family', 'xen', '--time', '1s', '--chunk', '10', '--workers', '1', '--seed', '4', '--out', d, '--json'])).toBe(0);
  const summary = JSON.parse(io.out);
  expect(summary).toMatchObject({ ok: true, interrupted: false, settings: { budget: { timeMs: 1000 }, families: ['xen'] } });
  const r = reportIn(d);
  expect(r.units.length).toBeGreaterThan(0);
  expect(r.units.map((u) => u.unit)).toEqual(r.units.map((_, i) => i));
  expect(r.units.every((u) => u.runs === 10 && u.family === 'xen')).toBe(true);
});

describe('parseDuration', () => {
  it.each([['90', 90_000], ['90s', 90_000], ['10m', 600_000], ['2h', 7_200_000], ['1h30m', 5_400_000], ['500ms', 500], ['1.5s', 1500]])('%s is %i ms', (t, ms) => {
    expect(parseDuration(t)).toBe(ms);
  });
  it.each(['', 'h', '5 m', '1x', '1h 30m', '-5s', '1m1m', '30m1h', '1s500ms1s'])('refuses %j', (t) => expect(() => parseDuration(t)).toThrow(/--time: expected a duration/));
});

describe('the plain progress line (a CI log, a pod log)', () => {
  const p = { unitsDone: 3, unitsTotal: 10, runs: 300, runsTotal: 1000, steps: 15_000, failures: 2, elapsedMs: 3000, leftMs: null };
  it('under a run budget: counts against the shard, time left estimated from the rate so far', () => {
    expect(progressLine(p)).toBe('campaign: 3/10 units, 300/1000 runs, 100 runs/s, 5000 steps/s, 2 failure(s), ~7s left');
  });
  it('under a time budget: what is left of it', () => {
    expect(progressLine({ ...p, unitsTotal: null, runsTotal: null, leftMs: 125_000 })).toBe('campaign: 3 units, 300 runs, 100 runs/s, 5000 steps/s, 2 failure(s), 2.1m left');
  });
});

it('a worker thread that fails stops the shard with one line naming the unit, not a finding and not a pass', async () => {
  const o = await runShard({
    plan: { seed: 1, families: ['no-such-family'], chunk: 10, runsPerFamily: 30, shard: { index: 1, count: 1 } },
    faults: [], properties: null, maxCommands: 20, workers: 1, timeMs: null, tracesDir: dir('crash'), signal: new AbortController().signal,
  });
  expect(o.error).toMatch(/^a worker thread failed on unit 0 \(no-such-family\): unknown family "no-such-family"/);
  expect(o.units).toEqual([]);
  expect(o.interrupted).toBe(false);
});

it('--impl: a user\'s module is what the workers hunt in; a module that does nothing is caught, its traces name it', async () => {
  const d = dir('impl');
  const stub = 'test/fixtures/stubs/does-nothing.ts';
  expect(await main(['campaign', '--family', 'virtio', '--impl', stub, '--runs', '20', '--chunk', '10', '--workers', '1', '--seed', '1', '--out', d])).toBe(1);
  const r = reportIn(d);
  expect(r.settings.impl).toBe(stub);
  expect(r.failures.length).toBeGreaterThan(0);
  for (const f of r.failures) expect(loadTrace(join(d, f.file)).source).toEqual({ kind: 'adapter', module: stub });
  expect(io.out).toContain(`--impl ${stub}`);
});
