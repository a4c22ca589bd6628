/**
 * The end-to-end rate of `balloon check` beside a naive floor (bench/throughput.ts prints both and
 * their ratio; issue 21, item 3). Each side runs in a fresh process of its own (`measureFresh`),
 * as a user's `balloon check` does, the two alternating: in one process after the throughput
 * rows, the floor ran about 40% slower than fresh (6.4 s against 4.6 s for the same cases) while
 * the check did not, which flattered the ratio (1.21 in that process, 0.86 fresh, 2026-12-04).
 *
 * check: what `balloon check` runs at its default budget (properties/defaults.ts: DEFAULT_RUNS
 * cases of up to DEFAULT_MAX_COMMANDS commands, virtio, every property of the family,
 * conformance included, the fair drain after each case), through `runCampaign`; commands are
 * counted at the system (every `apply`, drain included) and divided by the wall time, per-case
 * cost (building the system, the monitors, the charts) included.
 *
 * floor: fast-check `modelRun` over `fc.commands` with the same number of cases and the same
 * maximum length, a trivial system (two numbers) and, per case, one started XState actor of the
 * virtio guest chart stepped by `send`: what stepping the bare statechart naively costs, with
 * nothing checked.
 */
import fc from 'fast-check';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { createActor } from 'xstate';
import { guestConfig, type SystemConfig, type SystemUnderTest } from '../core/virtio/index.ts';
import { guestMachine, modelInput, type GuestEvent } from '../model/virtio/index.ts';
import { runCampaign } from '../properties/campaign.ts';
import { DEFAULT_MAX_COMMANDS, DEFAULT_RUNS } from '../properties/defaults.ts';
import { familyByName } from '../properties/families.ts';
import { tuneHeap } from '../cli/heap.ts';

export interface Rate { cases: number; commands: number; ms: number; perSecond: number }

const rate = (cases: number, commands: number, ms: number): Rate => ({ cases, commands, ms, perSecond: commands / (ms / 1000) });

/** `balloon check --family virtio` at the default budget (or `runs` cases), seed `seed`. */
export function measureCheck(runs = DEFAULT_RUNS, seed = 1): Rate {
  const family = familyByName('virtio');
  let commands = 0;
  const factory = (c: SystemConfig): SystemUnderTest => {
    const sys = (family.reference as unknown as (c: SystemConfig) => SystemUnderTest)(c);
    const apply = sys.apply.bind(sys);
    sys.apply = (x) => { commands++; return apply(x); };
    return sys;
  };
  const t = performance.now();
  const r = runCampaign({ family: 'virtio', factory: factory as never, properties: family.properties, runs, seed, maxCommands: DEFAULT_MAX_COMMANDS });
  const ms = performance.now() - t;
  if (r.counterexamples.length > 0) throw new Error(`the reference failed ${r.counterexamples[0].property}`);
  return rate(runs, commands, ms);
}

interface Model { target: number }
interface Real { target: number; actor: ReturnType<typeof startActor> }
const cfg = guestConfig({ ramPages: 64, floorPages: 8 });
const startActor = () => createActor(guestMachine, { input: modelInput(cfg, 16) }).start();

class SendEvent implements fc.Command<Model, Real> {
  constructor(readonly e: GuestEvent) {}
  check(): boolean { return true; }
  run(m: Model, r: Real): void {
    r.actor.send(this.e);
    if (this.e.type === 'TARGET_SET') { m.target = this.e.target; r.target = this.e.target; }
  }
  toString(): string { return this.e.type; }
}

/** The floor: `runs` cases of up to `maxCommands` commands, an XState actor per case. */
export function measureFloor(runs = DEFAULT_RUNS, seed = 1, maxCommands = DEFAULT_MAX_COMMANDS): Rate {
  let commands = 0;
  const events: fc.Arbitrary<fc.Command<Model, Real>>[] = [
    fc.nat({ max: 64 }).map((n) => new SendEvent({ type: 'TARGET_SET', requested: n, target: n })),
    fc.constant(new SendEvent({ type: 'DRIVER_IDLE' })),
    fc.constant(new SendEvent({ type: 'PAGES_ALLOCATED', size: 1 })),
    fc.constant(new SendEvent({ type: 'PAGES_FREED', size: 1 })),
  ];
  const t = performance.now();
  fc.assert(fc.property(fc.commands(events, { maxCommands, size: 'max' }), (cmds) => {
    const setup = () => ({ model: { target: 0 }, real: { target: 0, actor: startActor() } });
    fc.modelRun(setup, [...cmds].map((c) => { commands++; return c; }));
  }), { numRuns: runs, seed });
  const ms = performance.now() - t;
  return rate(runs, commands, ms);
}

/**
 * One side measured in a fresh process (this file run by Node through tsx, as `npm run check` runs
 * the sources): its JIT and first meetings of the charts' configurations paid inside the timing,
 * as every `balloon check` pays them.
 */
export function measureFresh(which: 'check' | 'floor', runs = DEFAULT_RUNS, seed = 1): Rate {
  const r = spawnSync(process.execPath, ['--import', 'tsx', fileURLToPath(import.meta.url), which, String(runs), String(seed)], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`bench/check-floor.ts ${which} failed (${r.status}): ${r.stderr.trim().split('\n').at(-1)}`);
  return JSON.parse(r.stdout) as Rate;
}

if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1]) {
  const [which, runs, seed] = process.argv.slice(2);
  // Both sides with the heap setting of balloon's command line (cli/heap.ts): the floor gains from
  // it too (3 to 7% in three side-by-side pairs), so the ratio compares the work, not the setting.
  tuneHeap();
  const r = which === 'floor' ? measureFloor(Number(runs), Number(seed)) : measureCheck(Number(runs), Number(seed));
  process.stdout.write(`${JSON.stringify(r)}\n`);
}
