import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import { layerRules } from './eslint.layers.js';

export default tseslint.config(
  { ignores: ['node_modules/', 'dist/', '.qemu-guest/', '.xen-guest/', '.cache/', 'traces/failures/', '.stryker-tmp/', 'reports/', 'test/fixtures/adapters/hostile/syntax-error*.ts'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-eval': 'error',
      'no-new-func': 'error',
    },
  },
  {
    files: ['model/**', 'impl/**', 'core/**'],
    rules: {
      // Determinism: every choice is an input; the same seed gives the same trace, byte for byte.
      'no-restricted-properties': ['error',
        { object: 'Math', property: 'random', message: 'All randomness comes from the fast-check seed.' },
        { object: 'Date', property: 'now', message: 'model/ and impl/ read no clock.' }],
      'no-restricted-globals': ['error', 'setTimeout', 'setInterval', 'performance'],
    },
  },
  ...layerRules(),
  {
    files: ['test/**'],
    rules: { '@typescript-eslint/no-explicit-any': 'off' },
  },
  {
    files: ['stryker.config.mjs'],
    languageOptions: { globals: { process: 'readonly' } },
  },
  {
    files: ['bin/**/*.js'],
    languageOptions: { globals: { process: 'readonly', URL: 'readonly', console: 'readonly' } },
  },
);
