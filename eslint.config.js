// ESLint (flat config) for the whole tree: typescript-eslint's type-aware rules, and the import bans that
// keep workflow and engine code deterministic and free of I/O (no node built-ins, no database clients).
import js from '@eslint/js';
import { builtinModules } from 'node:module';
import reactHooks from 'eslint-plugin-react-hooks';
import tseslint from 'typescript-eslint';

const builtins = builtinModules.filter((m) => !m.startsWith('_'));

export default tseslint.config(
  { ignores: ['node_modules/', '.data/', 'dist/', 'dashboard/dist/', 'coverage/'] },
  js.configs.recommended,
  tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: {
        projectService: { allowDefaultProject: ['dashboard/vite.config.ts'] },
        tsconfigRootDir: import.meta.dirname,
      },
    },
    linterOptions: { reportUnusedDisableDirectives: 'error' },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      // Query rows, JSON bodies and library callbacks are `any` at their edge; zod checks what comes in.
      '@typescript-eslint/no-explicit-any': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
      // Fastify plugins, hooks and handlers are async by contract even when their body does not await.
      '@typescript-eslint/require-await': 'off',
      // `Phase | string` and String(unknown) are deliberate: an open set with its known values named, and
      // text made from whatever a row or a plan's JSON holds.
      '@typescript-eslint/no-redundant-type-constituents': 'off',
      '@typescript-eslint/no-base-to-string': 'off',
      // Its inferred-type-argument check wants db.raw<T>() over `as T` at every query: a rewrite of the
      // data layer for no behaviour, so not here.
      '@typescript-eslint/no-unnecessary-type-assertion': 'off',
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  {
    // The two classic hook rules; the React Compiler ones in `recommended` assume the compiler, not used here.
    files: ['dashboard/src/**'],
    plugins: { 'react-hooks': reactHooks },
    rules: { 'react-hooks/rules-of-hooks': 'error', 'react-hooks/exhaustive-deps': 'error' },
  },
  {
    files: ['**/*.js', '**/*.mjs'],
    extends: [tseslint.configs.disableTypeChecked],
    languageOptions: { globals: { console: 'readonly', process: 'readonly' } },
  },
  {
    files: ['workflows/**', 'engine/**'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [
            ...builtins.map((name) => ({ name, message: 'workflow and engine code does no I/O: no node built-ins' })),
            { name: 'knex', message: 'workflow and engine code does no I/O: the database belongs to activities' },
            { name: 'pg', message: 'workflow and engine code does no I/O: the database belongs to activities' },
          ],
          patterns: [
            { group: ['node:*'], message: 'workflow and engine code does no I/O: no node built-ins' },
            {
              group: ['knex/*', 'pg/*'],
              message: 'workflow and engine code does no I/O: the database belongs to activities',
            },
          ],
        },
      ],
    },
  },
);
