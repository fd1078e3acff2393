// Lint rules. The pure layers (codecs and state machines) may not touch sockets, files,
// timers or the wall clock: those are injected, so the same code runs in tests and the simulator.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

const pureFolders = [
  'src/bencode/**',
  'src/metainfo/**',
  'src/wire/**',
  'src/swarm/**',
  'src/krpc/**',
  'src/tracker-proto/**',
];

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'bench/out/**', 'sim/out/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: {
      globals: {
        process: 'readonly', console: 'readonly', Buffer: 'readonly', URL: 'readonly',
        setTimeout: 'readonly', clearTimeout: 'readonly', setInterval: 'readonly',
        clearInterval: 'readonly', setImmediate: 'readonly', queueMicrotask: 'readonly',
        AbortController: 'readonly', AbortSignal: 'readonly', TextEncoder: 'readonly',
        TextDecoder: 'readonly', performance: 'readonly', structuredClone: 'readonly',
      },
    },
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-constant-condition': ['error', { checkLoops: false }],
    },
  },
  {
    files: pureFolders,
    rules: {
      'no-restricted-imports': ['error', {
        paths: ['fs', 'net', 'dgram', 'http', 'https', 'child_process', 'worker_threads', 'timers',
          'node:fs', 'node:fs/promises', 'node:net', 'node:dgram', 'node:http', 'node:https',
          'node:child_process', 'node:worker_threads', 'node:timers', 'node:os'],
      }],
      'no-restricted-globals': ['error', 'setTimeout', 'setInterval', 'setImmediate'],
      'no-restricted-properties': ['error', { object: 'Date', property: 'now' },
        { object: 'Math', property: 'random' }],
    },
  },
);
