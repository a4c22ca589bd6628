/**
 * Runs of the free page hinting testbed: a workload of hinting commands drawn by fast-check, run
 * on an implementation with every hinting property checked after every step. All randomness is
 * the fast-check seed's: the same seed gives the same commands and the same verdict.
 */
import fc from 'fast-check';
import { formatHintCommand, hintConfig, type HintCommand, type HintConfig, type HintSystem } from '../../../core/virtio/hinting.ts';
import { ReferenceHintSystem, type HintFaults } from '../../../impl/virtio/hinting.ts';
import { hintContract } from './contract.ts';
import { HINT_STATE_PROPERTIES, type HintProperty } from './properties.ts';

/** Every hinting property, the command contract first. */
export const HINT_PROPERTIES: readonly HintProperty[] = [hintContract, ...HINT_STATE_PROPERTIES];

const pick = fc.nat({ max: 63 });

/**
 * One command, weighted so that a run goes through whole rounds: the driver and the device act
 * most, the host's request, STOP and DONE less, the shrinker and the guest program in between.
 */
export const hintCommandArb: fc.Arbitrary<HintCommand> = fc.oneof(
  { weight: 2, arbitrary: fc.constant<HintCommand>({ kind: 'hint-request' }) },
  { weight: 1, arbitrary: fc.constant<HintCommand>({ kind: 'hint-stop' }) },
  { weight: 2, arbitrary: fc.constant<HintCommand>({ kind: 'hint-done' }) },
  { weight: 6, arbitrary: fc.record({ kind: fc.constant('hint-driver' as const), pages: fc.integer({ min: 1, max: 3 }), pick }) },
  { weight: 6, arbitrary: fc.constant<HintCommand>({ kind: 'hint-device' }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('hint-release' as const), pages: fc.integer({ min: 1, max: 2 }), pick }) },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('alloc' as const), pick }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('free' as const), pick }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('write' as const), pick }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('read' as const), pick }) },
);

export const hintWorkloadArb = (maxLength = 60): fc.Arbitrary<HintCommand[]> => fc.array(hintCommandArb, { minLength: 1, maxLength, size: 'max' });

export interface HintFailure { property: string; step: number; message: string; program: string[] }

/** Run `commands` on a fresh system; the first property broken, or null. */
export function runHintCase(
  commands: readonly HintCommand[], config: HintConfig = hintConfig(), make: (c: HintConfig) => HintSystem = (c) => new ReferenceHintSystem(c),
  properties: readonly HintProperty[] = HINT_PROPERTIES,
): HintFailure | null {
  const sys = make(config);
  const monitors = properties.map((p) => ({ p, m: p.monitor(config) }));
  for (let i = 0; i < commands.length; i++) {
    const result = sys.apply(commands[i]);
    const obs = sys.observe();
    for (const { p, m } of monitors) {
      const v = m.step({ command: commands[i], result, obs, index: i });
      if (v) return { property: p.name, step: i, message: v.message, program: commands.slice(0, i + 1).map(formatHintCommand) };
    }
  }
  return null;
}

export interface HintCheck { seed: number; runs: number; failure: HintFailure | null; numRuns: number }

/**
 * One seeded campaign: `runs` workloads against the reference system with `faults`, shrunk on
 * failure unless `shrink` is false (then the first failing workload, as drawn).
 */
export function checkHinting(opts: { seed: number; runs: number; faults?: HintFaults; config?: HintConfig; maxLength?: number; shrink?: boolean }): HintCheck {
  const config = opts.config ?? hintConfig();
  const make = (c: HintConfig) => new ReferenceHintSystem(c, opts.faults ?? {});
  const out = fc.check(fc.property(hintWorkloadArb(opts.maxLength), (cmds) => runHintCase(cmds, config, make) === null), { seed: opts.seed, numRuns: opts.runs, endOnFailure: opts.shrink === false });
  const failure = out.failed && out.counterexample ? runHintCase(out.counterexample[0], config, make) : null;
  return { seed: opts.seed, runs: opts.runs, failure, numRuns: out.numRuns };
}
