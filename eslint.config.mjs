// The ground rules that used to live in comments, checked on every `npm test`: which folder may
// import what (the headless core never sees `vscode` or Node), and no focused or skipped tests.
import js from '@eslint/js';
import { defineConfig } from 'eslint/config';
import globals from 'globals';
import { builtinModules } from 'node:module';
import tseslint from 'typescript-eslint';

const NO_VSCODE = { name: 'vscode', message: 'The headless core and the webviews never import vscode; the extension passes what they need.' };

// Bare names too (`fs`, `path`): `node:*` alone would let `import 'fs'` through.
const NO_NODE_BUILTINS = builtinModules
  .filter((name) => !name.startsWith('_'))
  .map((name) => ({ name, message: 'This folder runs outside Node (engine in any host, webview in a browser): no Node built-ins.' }));
const NO_NODE_PREFIX = { group: ['node:*'], message: 'This folder runs outside Node (engine in any host, webview in a browser): no Node built-ins.' };

/** `no-restricted-imports` options for a folder; `require()` and `import()` of the same names are caught by `restrictedCalls`. */
function restrictedImports({ node }) {
  return ['error', { paths: node ? [NO_VSCODE, ...NO_NODE_BUILTINS] : [NO_VSCODE], patterns: node ? [NO_NODE_PREFIX] : [] }];
}

/** The same rule for `require('x')` and `import('x')`, which `no-restricted-imports` does not see. */
function restrictedCalls({ node }) {
  const names = node ? `/^(vscode|node:.*|${NO_NODE_BUILTINS.map((p) => p.name.replace(/\//g, '.')).join('|')})$/` : '/^vscode$/';
  const message = node
    ? 'No vscode and no Node built-ins in this folder, not even through require() or import().'
    : 'No vscode in this folder, not even through require() or import().';
  return [
    'error',
    { selector: `CallExpression[callee.name='require'] > Literal.arguments[value=${names}]`, message },
    { selector: `ImportExpression > Literal.source[value=${names}]`, message },
  ];
}

const TEST_FUNCTIONS = ['describe', 'it', 'test', 'suite'];

// ESLint loads its flat config from the default export: the one default export in the tree.
export default defineConfig(
  { ignores: ['dist/**', 'node_modules/**', 'test-artifacts/**', '.rnnlab/**', '.vscode-test/**', '*.vsix'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/consistent-type-imports': ['error', { prefer: 'type-imports', fixStyle: 'separate-type-imports' }],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' }],
    },
  },
  // Only the .mjs scripts need globals: for TypeScript, tsc resolves names (typescript-eslint turns no-undef off).
  { files: ['**/*.mjs'], languageOptions: { globals: globals.node } },
  {
    files: ['src/engine/**', 'src/protocol/**', 'webview/**'],
    rules: { 'no-restricted-imports': restrictedImports({ node: true }), 'no-restricted-syntax': restrictedCalls({ node: true }) },
  },
  {
    files: ['src/training/**', 'src/cli/**', 'src/interop/**', 'src/model/**'],
    rules: { 'no-restricted-imports': restrictedImports({ node: false }), 'no-restricted-syntax': restrictedCalls({ node: false }) },
  },
  {
    files: ['test/**'],
    rules: {
      // Tests corrupt model.json and read CLI JSON on purpose; the product code keeps no-explicit-any.
      '@typescript-eslint/no-explicit-any': 'off',
      // A focused test silently drops the rest of the suite; a skipped one is a promise nobody keeps.
      'no-restricted-properties': [
        'error',
        ...TEST_FUNCTIONS.flatMap((object) =>
          ['only', 'skip', 'todo'].map((property) => ({
            object,
            property,
            message: `${object}.${property} is not left in the suite: run the test, or delete it.`,
          })),
        ),
      ],
      // An optional part (PyTorch, the native addon) may skip on a condition, with its reason: `{ skip: reasonOrFalse }`.
      'no-restricted-syntax': [
        'error',
        {
          selector: `CallExpression[callee.name=/^(${TEST_FUNCTIONS.join('|')})$/] > ObjectExpression > Property[key.name=/^(only|todo)$/]`,
          message: 'No { only } or { todo } options in the suite.',
        },
        {
          selector: `CallExpression[callee.name=/^(${TEST_FUNCTIONS.join('|')})$/] > ObjectExpression > Property[key.name='skip'] > Literal.value`,
          message: 'No unconditional { skip }: skip only on a condition, e.g. { skip: hasTorch ? false : "python3-torch is not installed" }.',
        },
        {
          selector: "CallExpression[callee.property.name='todo'], CallExpression[callee.property.name='skip'][arguments.length=0]",
          message: 'No t.todo(), and no t.skip() without the reason it did not run.',
        },
      ],
    },
  },
);
