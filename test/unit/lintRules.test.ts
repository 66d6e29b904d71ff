// The folder rules of eslint.config.mjs fire: ESLint's Node API lints source text as if it
// were a file in each folder, so a rule that stops matching fails here, not silently.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { ESLint } from 'eslint';

const root = join(__dirname, '..', '..');
const eslint = new ESLint({ cwd: root });

/** The folder and test rules (and parse errors) ESLint reports for `code` placed at `file`, relative to the repo root. */
async function ruleIds(file: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath: join(root, file) });
  return result.messages.map((m) => m.ruleId ?? `fatal: ${m.message}`).filter((id) => id.startsWith('no-restricted-') || id.startsWith('fatal'));
}

const VSCODE = "import * as vscode from 'vscode';\nexport const v = vscode;\n";
const NODE_FS = "import { readFileSync } from 'node:fs';\nexport const r = readFileSync;\n";
const BARE_FS = "import { readFileSync } from 'fs';\nexport const r = readFileSync;\n";

describe('folder import rules', () => {
  test('src/engine and src/protocol import neither vscode nor Node built-ins', async () => {
    for (const folder of ['src/engine', 'src/protocol', 'src/engine/cells']) {
      for (const code of [VSCODE, NODE_FS, BARE_FS, "import type { Uri } from 'vscode';\nexport type U = Uri;\n"]) {
        assert.deepEqual(await ruleIds(`${folder}/x.ts`, code), ['no-restricted-imports'], `${folder}: ${code}`);
      }
    }
  });

  test('require() and import() of vscode or node:* are caught too', async () => {
    assert.deepEqual(await ruleIds('src/engine/x.ts', "export const fs = require('node:fs');\n"), ['no-restricted-syntax']);
    assert.deepEqual(await ruleIds('src/engine/x.ts', "export const p = import('path');\n"), ['no-restricted-syntax']);
    assert.deepEqual(await ruleIds('src/cli/x.ts', "export const v = import('vscode');\n"), ['no-restricted-syntax']);
    assert.deepEqual(await ruleIds('src/cli/x.ts', "export const fs = require('node:fs');\n"), []);
  });

  test('src/training and src/cli may use Node but not vscode', async () => {
    for (const folder of ['src/training', 'src/cli']) {
      assert.deepEqual(await ruleIds(`${folder}/x.ts`, VSCODE), ['no-restricted-imports'], folder);
      assert.deepEqual(await ruleIds(`${folder}/x.ts`, NODE_FS), [], folder);
    }
  });

  test('webview/ imports neither vscode nor Node built-ins', async () => {
    for (const code of [VSCODE, NODE_FS, BARE_FS]) assert.deepEqual(await ruleIds('webview/common/x.ts', code), ['no-restricted-imports'], code);
  });

  test('the extension may import vscode and Node', async () => {
    assert.deepEqual(await ruleIds('src/extension/x.ts', VSCODE + NODE_FS.replace('readFileSync', 'readFileSync as f').replace('= readFileSync', '= f')), []);
  });
});

describe('test rules', () => {
  test('focused and skipped tests are errors', async () => {
    const head = "import { describe, it, test } from 'node:test';\n";
    for (const line of [
      "test.only('a', () => {});",
      "describe.skip('a', () => {});",
      "it.todo('a');",
      "test('a', { only: true }, () => {});",
      "test('a', { skip: true }, () => {});",
      "test('a', { skip: 'later' }, () => {});",
      "test('a', (t) => { t.skip(); });",
      "test('a', (t) => { t.todo('later'); });",
    ]) {
      const ids = await ruleIds('test/unit/x.test.ts', `${head}${line}\n`);
      assert.ok(ids.length > 0, `${line} passed lint`);
      for (const id of ids) assert.match(id, /^no-restricted-(properties|syntax)$/, line);
    }
  });

  test('a skip on a condition, with its reason, is allowed', async () => {
    const code = "import { test } from 'node:test';\nconst torch = false;\ntest('a', { skip: torch ? false : 'python3-torch is not installed' }, () => {});\n";
    assert.deepEqual(await ruleIds('test/unit/x.test.ts', code), []);
  });
});
