// Fixes fast-check's seed for every suite so test names (and Stryker's test ids) are stable and
// a failure is reproducible: FC_SEED=<n> npm test. CI sets and prints it.
import fc from 'fast-check';

const raw = process.env.FC_SEED ?? '42';
const seed = Number.parseInt(raw, 10);
if (!Number.isSafeInteger(seed)) throw new Error(`FC_SEED must be an integer, got ${JSON.stringify(raw)}`);
fc.configureGlobal({ seed, numRuns: Number(process.env.FC_RUNS ?? 100) });
