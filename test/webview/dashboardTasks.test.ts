// The dashboard for a task run in headless Chromium, fed with the events of a classifier trained
// here (the shared task loop on the generated marker set): metrics over steps with the loss,
// the latest confusion matrix, live updates, and nothing of it for a language-model run; a model
// that generates from a label shows its label accuracy and a sample per label.

import assert from 'node:assert/strict';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { initBackend } from '../../src/engine/backend.js';
import { RunStore } from '../../src/extension/panels/runStore.js';
import { DashboardEvents, DashboardState } from '../../src/protocol/webview.js';
import type { EvalEvent, TrainerEvent } from '../../src/training/events.js';
import { readClassify } from '../../src/training/tasks/classifyReader.js';
import { prepareClassify, trainClassifier } from '../../src/training/tasks/classifyTrainer.js';
import { prepareLabelLm, trainLabelLm } from '../../src/training/tasks/labelLmTrainer.js';
import { markerLines } from '../unit/classifyData.js';
import { allProblems, canvasStats, loadFixture, ROOT, screenshot, usePanels } from './harness.js';

const work = mkdtempSync(join(tmpdir(), 'rnnlab-dash-task-'));
after(() => rmSync(work, { recursive: true, force: true }));
const events: TrainerEvent[] = [];
const DIR = '/models/reviews-gru';

before(async () => {
  await initBackend('cpu');
  const prepared = prepareClassify(readClassify(markerLines(400, 4).join('\n'), 'reviews.tsv'), { cell: 'gru', units: 16, embeddingSize: 8, steps: 120, evalEvery: 10 });
  await trainClassifier(prepared, { modelDir: join(work, 'reviews-gru'), name: 'reviews-gru', backend: 'cpu', onEvent: (e) => events.push(e) });
});

const open = usePanels();
const evals = () => events.filter((e): e is EvalEvent => e.event === 'eval');

describe('training dashboard for a classifier', () => {
  it('plots accuracy and macro-F1 over steps with the loss, and the confusion matrix of the latest evaluation', async () => {
    const cut = events.indexOf(evals()[3]!) + 1;
    const store = new RunStore();
    for (const e of events.slice(0, cut)) store.add(DIR, e);
    const p = await open('dashboard', { theme: 'dark', width: 900 });
    await p.waitFor(() => (window as unknown as { __posted: unknown[] }).__posted.length > 0);
    await p.push(DashboardState.create({ snapshot: store.snapshot(DIR, 'reviews-gru', []) }));
    await p.waitFor(() => document.getElementById('task-chart')?.dataset.points === '4');
    assert.equal(await p.page.isVisible('#task-metrics'), true);
    assert.equal(await p.page.getAttribute('#task-chart', 'data-metrics'), 'accuracy,macroF1');
    const legend = (await p.page.textContent('#task-metrics')) ?? '';
    for (const name of ['accuracy', 'macroF1', 'validation loss']) assert.ok(legend.includes(name), `legend names ${name}`);
    const chart = await canvasStats(p.page, '#task-chart canvas');
    assert.ok(chart.nonBackground > 1000 && chart.distinctColors > 3, `the metric chart is drawn: ${JSON.stringify(chart)}`);
    const confusionAt = async () => p.page.$$eval('#confusion-table tr', (rows) => rows.slice(1).map((r) => [...r.querySelectorAll('td')].map((td) => Number(td.textContent))));
    assert.deepEqual(await confusionAt(), evals()[3]!.confusion, 'the confusion matrix of the 4th evaluation');
    assert.deepEqual(await p.page.$$eval('#confusion-table tr:first-child th', (ths) => ths.slice(1).map((t) => t.textContent)), ['pos', 'neg'], 'columns named by label');
    // A classifier writes no text: Sample now and the temperature are off while Stop stays on.
    const running = await p.page.$$eval('#stop, #sample-now, #temperature', (els) => els.map((e) => [e.id, (e as HTMLElement & { disabled: boolean }).disabled]));
    assert.deepEqual(running, [['stop', false], ['sample-now', true], ['temperature', true]]);
    assert.equal(await p.page.getAttribute('#sample-now', 'title'), 'A classify run writes no text samples.');

    // The rest of the run arrives live: the chart grows and the matrix is the last evaluation's.
    await p.push(DashboardEvents.create({ events: events.slice(cut) }));
    await p.waitFor((n) => document.getElementById('task-chart')?.dataset.points === String(n), evals().length);
    const last = evals()[evals().length - 1]!;
    assert.deepEqual(await confusionAt(), last.confusion);
    assert.match((await p.page.textContent('#confusion')) ?? '', new RegExp(`at step ${last.step}`));
    assert.deepEqual(await allProblems(p), []);
    const shot = await screenshot(p, 'dashboard-classify', true);
    mkdirSync(join(ROOT, 'docs', 'images'), { recursive: true });
    copyFileSync(shot, join(ROOT, 'docs', 'images', 'dashboard-classify.png'));
    console.log(`classifier dashboard: ${evals().length} evaluations, last accuracy ${last.metrics!.accuracy!.toFixed(3)}, macroF1 ${last.metrics!.macroF1!.toFixed(3)}`);
  });

  it('a language-model run shows no task section', async () => {
    const lm = loadFixture<{ model: { name: string; dir: string }; events: TrainerEvent[] }>('events-lstm.json');
    const store = new RunStore();
    for (const e of [...events, ...lm.events]) store.add(lm.model.dir, e);
    const p = await open('dashboard');
    await p.waitFor(() => (window as unknown as { __posted: unknown[] }).__posted.length > 0);
    await p.push(DashboardState.create({ snapshot: store.snapshot(lm.model.dir, lm.model.name, []) }));
    await p.waitFor(() => Number(document.getElementById('loss-chart')?.dataset.draws ?? 0) > 0);
    assert.equal(await p.page.isVisible('#task-metrics'), false);
  });
});

describe('training dashboard for a model that generates from a label', () => {
  const labelEvents: TrainerEvent[] = [];
  before(async () => {
    const lines = markerLines(200, 6).map((l) => l.split(' ').slice(0, 6).join(' '));
    const prepared = prepareLabelLm(readClassify(lines.join('\n'), 'reviews.tsv'), { cell: 'gru', units: 16, steps: 40, evalEvery: 10, sampleEvery: 20, sampleLength: 30 });
    await trainLabelLm(prepared, { modelDir: join(work, 'reviews-gen'), name: 'reviews-gen', backend: 'cpu', onEvent: (e) => labelEvents.push(e), minSaveIntervalMs: 0 });
  });

  it('plots the label accuracy with the loss (perplexity is the loss already) and lists a sample per label', async () => {
    const store = new RunStore();
    for (const e of labelEvents) store.add('/models/reviews-gen', e);
    const p = await open('dashboard', { theme: 'light', width: 900 });
    await p.waitFor(() => (window as unknown as { __posted: unknown[] }).__posted.length > 0);
    await p.push(DashboardState.create({ snapshot: store.snapshot('/models/reviews-gen', 'reviews-gen', []) }));
    await p.waitFor(() => document.getElementById('task-chart')?.dataset.points === '4');
    assert.equal(await p.page.getAttribute('#task-chart', 'data-metrics'), 'labelAccuracy');
    const samples = labelEvents.filter((e) => e.event === 'sample');
    assert.deepEqual(samples.map((e) => e.event === 'sample' && [e.step, e.label]), [[20, 'pos'], [20, 'neg'], [40, 'pos'], [40, 'neg']]);
    // Newest first, each tagged with its label.
    const shown = await p.page.$$eval('#samples li', (lis) => lis.map((li) => [li.dataset.label, li.querySelector('.tag')?.textContent, li.querySelector('pre')?.textContent]));
    assert.deepEqual(shown, samples.slice().reverse().map((e) => e.event === 'sample' && [e.label, `step ${e.step} · temperature 0.80 · label ${e.label}`, e.text]));
    assert.deepEqual(await allProblems(p), []);
  });
});
