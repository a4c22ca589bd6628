import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['node_modules/', 'dist/', '.qemu-guest/', 'traces/failures/', '.stryker-tmp/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-restricted-properties': ['error',
        { object: 'Math', property: 'random', message: 'All randomness comes from the fast-check seed.' },
        { object: 'Date', property: 'now', message: 'model/ and impl/ read no clock.' }],
      'no-eval': 'error',
      'no-new-func': 'error',
    },
  },
  {
    files: ['model/**', 'impl/**', 'core/**'],
    rules: {
      'no-restricted-globals': ['error', 'setTimeout', 'setInterval', 'performance'],
      'no-restricted-imports': ['error', { patterns: [
        { group: ['**/impl/**', '../impl/*'], message: 'model/ and core/ never import impl/.' },
      ] }],
    },
  },
  {
    files: ['impl/**'],
    rules: {
      'no-restricted-imports': ['error', { paths: ['xstate', 'fast-check'], patterns: [{ group: ['**/model/**'], message: 'impl/ never imports model/.' }] }],
    },
  },
  {
    files: ['bench/**', 'cli/**', 'qemu/**'],
    rules: { 'no-restricted-properties': 'off' },
  },
);
