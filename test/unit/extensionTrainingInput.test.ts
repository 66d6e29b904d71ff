// What the user hands to training: empty and binary documents are refused with one sentence;
// model names are safe folder names with a sensible, unique default.

import { describe, test } from 'node:test';
import assert from 'node:assert/strict';

import { continuationChoices, defaultModelName, looksBinary, modelNameProblem, textSize, trainingTextProblem } from '../../src/extension/trainingInput.js';

describe('training text', () => {
  test('empty and whitespace-only documents are refused', () => {
    assert.equal(trainingTextProblem('', 'notes.txt'), 'notes.txt is empty: open or type some text to train on.');
    assert.equal(trainingTextProblem(' \n\t\n', 'Untitled-1'), 'Untitled-1 is empty: open or type some text to train on.');
  });
  test('binary content is refused, real text in any script is accepted', () => {
    assert.match(trainingTextProblem('PK\u0003\u0004\u0000\u0000abc', 'a.zip')!, /looks like a binary file/);
    const bytes = Buffer.from(Array.from({ length: 2000 }, (_, i) => (i * 151) % 256));
    assert.ok(looksBinary(bytes.toString('utf8')), 'invalid UTF-8 decodes to replacement characters');
    assert.equal(trainingTextProblem('Déjà vu — 日本語のテキスト\r\n\tcode();\f\n', 'x.md'), null);
    assert.equal(trainingTextProblem('a'.repeat(10_000), 'x'), null);
  });
});

describe('model names', () => {
  test('default name from the document and architecture, unique among existing models', () => {
    const arch = { cell: 'lstm' as const, layers: 1, units: 128 };
    assert.equal(defaultModelName('/home/u/My Notes.md', arch, []), 'My-Notes-lstm-1x128');
    assert.equal(defaultModelName('Untitled-1', arch, []), 'Untitled-1-lstm-1x128');
    assert.equal(defaultModelName('.bashrc', arch, []), 'model-lstm-1x128');
    assert.equal(defaultModelName('c:\\x\\日本.txt', arch, []), 'model-lstm-1x128');
    assert.equal(defaultModelName('a.txt', arch, ['a-lstm-1x128', 'A-LSTM-1x128-2']), 'a-lstm-1x128-3');
  });
  test('names are checked for safety and uniqueness', () => {
    assert.equal(modelNameProblem('notes-lstm_1.2', []), null);
    assert.match(modelNameProblem('../evil', [])!, /letters, digits/);
    assert.match(modelNameProblem('', [])!, /letters, digits/);
    assert.match(modelNameProblem('a b', [])!, /letters, digits/);
    assert.match(modelNameProblem('Notes', ['notes'])!, /already exists/);
  });
});

describe('the text Continue Training uses', () => {
  const greek = { uri: 'file:///w/greek.txt', name: 'greek.txt', chars: 1_204 };
  const prose = { uri: 'file:///w/prose.md', name: 'prose.md', chars: 35_000 };
  test('the active editor is the default; the remembered file is offered by name after it', () => {
    assert.deepEqual(continuationChoices(prose, greek), [
      { label: 'prose.md', description: 'active editor · 35,000 characters', uri: prose.uri },
      { label: 'greek.txt', description: 'the text it last trained on · 1,204 characters', uri: greek.uri },
      { label: 'Choose a file…', description: 'another text file', uri: null },
    ]);
  });
  test('the same file is offered once; with no editor the remembered file comes first', () => {
    assert.deepEqual(continuationChoices(prose, prose).map((c) => c.description), ['active editor, the text it last trained on · 35,000 characters', 'another text file']);
    assert.deepEqual(continuationChoices(null, greek).map((c) => c.label), ['greek.txt', 'Choose a file…']);
    assert.deepEqual(continuationChoices(null, null).map((c) => c.uri), [null]);
    assert.equal(textSize(1), '1 character');
  });
});
