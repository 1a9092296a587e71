// Floating promises are errors everywhere; workflow code may not import Node built-ins or
// anything that does I/O, because it runs in Temporal's deterministic sandbox.
import tseslint from 'typescript-eslint';
import { builtinModules } from 'node:module';

const nodeBuiltins = [...builtinModules, ...builtinModules.map((m) => `node:${m}`)];
const ioPackages = [
  'express',
  'stripe',
  '@slack/web-api',
  'nodemailer',
  'smtp-server',
  'mailparser',
  '@temporalio/client',
  '@temporalio/worker',
  '@temporalio/activity',
  '@temporalio/testing',
];

export default tseslint.config(
  { ignores: ['dist/**', 'dist-*/**', '.tools/**', 'node_modules/**', '.venv/**', '.data/**', 'eslint.config.mjs'] },
  {
    files: ['**/*.ts'],
    extends: [tseslint.configs.base],
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': ['error', { checksVoidReturn: false }],
    },
  },
  {
    files: ['workflows/**/*.ts', 'src/policy/**/*.ts'],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          paths: [
            ...[...nodeBuiltins, ...ioPackages].map((name) => ({
              name,
              message: 'Workflow code (and the policy it imports) must stay deterministic: no Node built-ins, no I/O.',
            })),
            {
              name: '../activities',
              allowTypeImports: true,
              message: 'Workflows reach activities only through proxyActivities (import type).',
            },
          ],
          patterns: [
            {
              group: [
                '../activities/*',
                '../dev/*',
                '../../dev/*',
                '../src/integrations/*',
                '../src/api/*',
                '../src/config',
                '../../activities',
                '../../activities/*',
              ],
              allowTypeImports: true,
              message: 'Workflows and policy import nothing that does I/O (types only).',
            },
          ],
        },
      ],
    },
  },
);
