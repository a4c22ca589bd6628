/**
 * The layers of the project, as lint rules with no exceptions (issue 15, section 6). An arrow
 * points down only: a folder imports the folders listed for it and nothing else of ours, so
 * errors and defaults live below everything that uses them (core/usage.ts, properties/defaults.ts)
 * and a reader can tell from a file's folder what it may depend on.
 *
 *   core                     the world's vocabulary and each family's (core/<family>/): imports nothing of ours
 *   impl, model              core only (impl never model, model never impl)
 *   properties               core, model, impl (each family's value names its reference implementation)
 *   traces                   properties and below (the family registry is properties/families.ts)
 *   adapters                 traces and below
 *   qemu, viewer             adapters and below: two shells side by side, neither imports the other
 *   examples                 core only: an example implementation needs no more than a user's own
 *   cli                      anything but the test and bench trees
 *   api                      adapters and below: the package's entry points beside the root index.ts (`/vitest`)
 *   bench, test              anything
 *
 * no-restricted-imports matches the import string, not the resolved file, so the rules are made
 * per depth: a file two folders down reaches another top-level folder as `../../name/`, and a
 * `../name/` from there is a folder of its own (properties/safety/../words.ts), never matched.
 * Dynamic `import('…')` is not seen by no-restricted-imports; no-restricted-syntax covers it.
 */

/** Every top-level folder of ours, and the ones each may import (itself always). */
export const LAYERS = {
  core: [],
  impl: ['core'],
  model: ['core'],
  properties: ['core', 'model', 'impl'],
  traces: ['core', 'model', 'impl', 'properties'],
  adapters: ['core', 'model', 'impl', 'properties', 'traces'],
  qemu: ['core', 'model', 'impl', 'properties', 'traces', 'adapters'],
  viewer: ['core', 'model', 'impl', 'properties', 'traces', 'adapters'],
  examples: ['core'],
  cli: ['core', 'model', 'impl', 'properties', 'traces', 'adapters', 'qemu', 'viewer', 'examples', 'cli'],
  api: ['core', 'model', 'impl', 'properties', 'traces', 'adapters'],
};

/**
 * Packages a folder must not import (README, Folders): the vocabulary and the reference
 * implementation are plain TypeScript, and randomness reaches the model only through the workload.
 */
const PACKAGES = {
  core: ['xstate', 'fast-check'],
  impl: ['xstate', 'fast-check'],
  model: ['fast-check'],
};

const FOLDERS = [...Object.keys(LAYERS), 'bench', 'test'];
const DEPTHS = [1, 2, 3, 4, 5];

function escape(s) {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** The import strings a file `depth` folders down may not use to reach `denied`. */
function deniedRegex(depth, denied) {
  const up = escape('../'.repeat(depth));
  // The package's own name reaches every folder from anywhere; the root index.ts is the package.
  return `^(?:${up}|balloon-testbed/)(?:${denied.join('|')})(?:/|$)|^${up}index(?:\\.ts)?$|^balloon-testbed$`;
}

export function layerRules() {
  const out = [];
  for (const [folder, allowed] of Object.entries(LAYERS)) {
    const denied = FOLDERS.filter((f) => f !== folder && !allowed.includes(f));
    if (denied.length === 0) continue;
    const message = `${folder}/ imports ${allowed.length ? `only ${allowed.join(', ')}` : 'nothing of ours'}, never ${denied.join(', ')} (the layers: eslint.layers.js)`;
    for (const depth of DEPTHS) {
      const regex = deniedRegex(depth, denied);
      out.push({
        files: [`${folder}/${'*/'.repeat(depth - 1)}*.{ts,mts,js,mjs}`],
        rules: {
          'no-restricted-imports': ['error', {
            paths: (PACKAGES[folder] ?? []).map((name) => ({ name, message: `${folder}/ never imports ${name}.` })),
            patterns: [{ regex, message }],
          }],
          'no-restricted-syntax': ['error', {
            // esquery ends a regular expression at the first slash, so a slash is written \x2F.
            selector: `ImportExpression > Literal.source[value=/${regex.replaceAll('/', '\\x2F')}/]`,
            message,
          }],
        },
      });
    }
  }
  return out;
}
