// Lint rules: typescript-eslint's recommended set, plus the boundaries of the architecture
// (core code under tasks/common must not reach task-lib, fs or fetch directly).
import tseslint from 'typescript-eslint';

const adapters = [
  'tasks/common/azure-devops/**',
  'tasks/common/http/node-transport.ts',
  'tasks/common/node/**',
  'tasks/*V*/**',
];

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'coverage/**', 'tests/fixtures/**', '.tmp/**'] },
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-throw-literal': 'error',
      eqeqeq: ['error', 'always', { null: 'ignore' }],
    },
  },
  {
    // Text from outside must not reach the agent's command channel unfiltered: tasks print only
    // through context.logger (tasks/common/azure-devops/task-lib-context.ts, the one writer).
    files: ['tasks/**/*.ts'],
    rules: {
      'no-console': 'error',
      'no-restricted-properties': ['error',
        { object: 'process', property: 'stdout', message: 'Print through context.logger: it neutralises logging commands.' },
        { object: 'process', property: 'stderr', message: 'Print through context.logger: it neutralises logging commands.' },
        { object: 'tl', property: 'tool', message: "task-lib's ToolRunner copies a child's output to stdout unfiltered; pipe it and relay lines through context.logger." },
        { object: 'tl', property: 'exec', message: "task-lib's exec copies a child's output to stdout unfiltered; pipe it and relay lines through context.logger." },
        { object: 'tl', property: 'execSync', message: "task-lib's execSync copies a child's output to stdout unfiltered; pipe it and relay lines through context.logger." },
      ],
      'no-restricted-syntax': ['error', {
        selector: "Property[key.name='stdio'] Literal[value='inherit']",
        message: "A child writing to the task's stdout bypasses the logger: pipe its output and relay lines through context.logger.",
      }],
    },
  },
  {
    files: ['tasks/common/**/*.ts'],
    ignores: adapters,
    rules: {
      'no-restricted-imports': ['error', {
        paths: [
          { name: 'fs', message: 'Core code receives a file-access port; only adapters touch fs.' },
          { name: 'node:fs', message: 'Core code receives a file-access port; only adapters touch fs.' },
          { name: 'fs/promises', message: 'Core code receives a file-access port.' },
          { name: 'node:fs/promises', message: 'Core code receives a file-access port.' },
          { name: 'azure-pipelines-task-lib', message: 'Only the task-lib adapter imports task-lib.' },
          { name: 'azure-pipelines-task-lib/task', message: 'Only the task-lib adapter imports task-lib.' },
        ],
      }],
      'no-restricted-globals': ['error', { name: 'fetch', message: 'Use the HttpTransport port.' }],
    },
  },
);
