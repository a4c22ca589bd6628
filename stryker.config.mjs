// Mutation testing of the reference implementation (impl/), judged by the property suite itself:
// every mutant runs one seeded `balloon check` (Stryker's command runner), and a mutant is killed
// when the check exits non-zero. `npm run mutate` runs this, then bench/mutation-report.ts writes
// bench/MUTATION.md. StrykerJS 9.x (10.x needs Node 22; engines says >= 20).
//
// The command runner has no per-test coverage, so every mutant costs one whole check
// (about 2-9 s, depending on the machine's load). Executed-versus-never-run is measured
// separately by bench/mutation-coverage.sh (V8 coverage of the same check).
/** @type {import('@stryker-mutator/api/core').PartialStrykerOptions} */
export default {
  testRunner: 'command',
  // bench/mutate.sh sets MUTATION_FAMILY when it mutates one family's folder (impl/<family>/):
  // only that family's check can see its mutants, so only it runs. The shared files (impl/*.ts)
  // are judged by every family's check.
  commandRunner: { command: `node bin/balloon.js check --runs 300 --seed 1${process.env.MUTATION_FAMILY ? ` --family ${process.env.MUTATION_FAMILY}` : ''}` },
  mutate: [
    'impl/**/*.ts',
    // The bug zoo's table of fault names and documentation: switches that are all off in the
    // check, so a mutant of them changes nothing the check runs (equivalent by design). The
    // `if (f[...])` tests inside the other files are still mutated.
    // Each family's zoo table (impl/<family>/faults.ts).
    '!impl/*/faults.ts',
  ],
  // Stryker copies the project into .stryker-tmp/sandbox-*/ and symlinks node_modules, so tsx
  // and bin/balloon.js run there unchanged. Leave out what the check never reads.
  ignorePatterns: ['.qemu-guest', '.cache', 'coverage', 'traces/failures', 'bench/scratch', 'reports'],
  // Several CI jobs and sessions share 2 cores: 1 by default, `--concurrency 2` on a quiet machine.
  concurrency: 1,
  // A mutant that makes the check loop forever is stopped and counted as "timeout" (detected):
  // limit = 1.5 x the unmutated run + timeoutMS. Generous, because load on a shared machine
  // makes a healthy run slow, and a slow healthy run counted as timeout would flatter the score.
  timeoutMS: 10000,
  timeoutFactor: 1.5,
  reporters: ['json', 'html', 'clear-text', 'progress'],
  // bench/mutate.sh names the report after the file when it runs one file at a time.
  jsonReporter: { fileName: `reports/mutation/${process.env.MUTATION_REPORT ?? 'mutation'}.json` },
  htmlReporter: { fileName: `reports/mutation/${process.env.MUTATION_REPORT ?? 'mutation'}.html` },
  cleanTempDir: true,
  tempDirName: '.stryker-tmp',
};
