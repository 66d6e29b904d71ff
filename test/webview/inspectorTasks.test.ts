// The gate inspector on task models in headless Chromium, fed with inspections recorded from a
// real tiny classifier, tagger and seq2seq model (record-fixtures.ts): the classifier's answer,
// its probabilities after every token and its saliency-coloured tokens; the tagger's table; the
// seq2seq output, its source × output saliency map and the Encoder / Decoder switch.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CELL_GATES } from '../../src/engine/config.js';
import type { ClassifyInspection, Seq2seqInspection, TagInspection } from '../../src/engine/types.js';
import { decodeInspectResult } from '../../src/protocol/inspectWire.js';
import type { InspectorResultMessage } from '../../src/protocol/webview.js';
import { colorFor } from '../../webview/common/colorScales.js';
import { allProblems, canvasStats, loadInspection, screenshot, showInspection, type PanelPage, usePanels } from './harness.js';

const classify = loadInspection('classify').message;
const tag = loadInspection('tag').message;
const seq2seq = loadInspection('seq2seq').message;
const models = [classify.model, tag.model, seq2seq.model];

const open = usePanels();

function openWith(result: InspectorResultMessage): Promise<PanelPage> {
  return showInspection(open, models, result);
}

const percent = (p: number) => `${(p * 100).toFixed(1)}%`;

describe('gate inspector, task models', () => {
  it('classify: the predicted label and probabilities, one chart series per label, tokens coloured by saliency, the gates below', async () => {
    // What the panel shows is the decoded wire result (probabilities rounded for the wire).
    const shown = await decodeInspectResult(classify.result);
    const c = shown.task as ClassifyInspection;
    assert.equal(c.task, 'classify');
    const p = await openWith(classify);
    assert.equal(await p.page.textContent('#predicted-label'), c.labels[c.predicted]);
    assert.match((await p.page.textContent('#task-answer')) ?? '', new RegExp(`${percent(c.probabilities[c.predicted]!).replace('.', '\\.')}$`));
    const rows = await p.page.locator('#class-probs tr').evaluateAll((trs) => trs.map((tr) => [...tr.querySelectorAll('td')].map((td) => td.textContent)));
    assert.equal(rows.length, c.labels.length);
    assert.deepEqual(rows.map((r) => r[0]).sort(), [...c.labels].sort());
    for (const r of rows) assert.equal(r[2], percent(c.probabilities[c.labels.indexOf(r[0]!)]!));

    // uPlot's legend has the x series plus one per label; the plot holds drawn lines.
    const legend = await p.page.locator('#step-chart .u-legend .u-series').allTextContents();
    assert.equal(legend.length, c.labels.length + 1);
    for (const label of c.labels) assert.ok(legend.some((l) => l.includes(label)), `series ${label} in the legend`);
    const plot = await canvasStats(p.page, '#step-chart canvas');
    assert.ok(plot.distinctColors > 3, `the chart drew its lines (${plot.distinctColors} colours)`);

    // Each token's colour is the magnitude scale at saliency / largest saliency.
    const spans = await p.page.locator('#saliency-text span.tok').evaluateAll((els) => els.map((e) => ({ text: e.textContent, bg: (e as HTMLElement).style.backgroundColor })));
    assert.equal(spans.length, shown.tokens.length);
    const max = Math.max(...c.saliency);
    spans.forEach((s, t) => assert.equal(s.bg, colorFor('magnitude', c.saliency[t]! / max), `token ${t} “${s.text}”`));
    assert.ok(new Set(spans.map((s) => s.bg)).size > 5, 'the saliencies differ');
    assert.equal(await p.page.locator('#saliency-legend canvas').count(), 1);

    // Hover: the token's saliency and what the model answered after it.
    const top = c.saliency.indexOf(max);
    await p.page.locator('#saliency-text span.tok').nth(top).hover();
    await p.waitFor(() => !document.getElementById('tooltip')!.hidden);
    const tip = (await p.page.textContent('#tooltip')) ?? '';
    assert.match(tip, new RegExp(`step ${top}`));
    assert.ok(tip.includes(`= ${max < 1e-3 ? max.toExponential(2) : max.toFixed(3)}`), `the saliency value in ${tip}`);
    for (const [k, label] of c.labels.entries()) assert.ok(tip.includes(`${label}${percent(c.stepProbabilities[top]![k]!)}`), `p(${label}) at step ${top} in ${tip}`);

    // The gate heatmaps as for a language model: every layer (both directions) and gate.
    const gates = CELL_GATES[classify.model.cell].length;
    assert.equal(await p.page.locator('canvas.heatmap').count(), shown.layers.length * gates);
    assert.ok((await canvasStats(p.page, 'canvas.heatmap')).distinctColors > 10);
    await screenshot(p, 'inspector-classify', true);
    assert.deepEqual(await allProblems(p), []);
    await p.page.close();
  });

  it('classify: a gate hover gives the value and no next-token predictions', async () => {
    const p = await openWith(classify);
    const heat = p.page.locator('canvas.heatmap').first();
    await heat.scrollIntoViewIfNeeded();
    const box = (await heat.boundingBox())!;
    await p.page.mouse.move(box.x + 3 * 7 + 3, box.y + 2);
    await p.waitFor(() => !document.getElementById('tooltip')!.hidden);
    const tip = (await p.page.textContent('#tooltip')) ?? '';
    assert.match(tip, /unit 0 · step 3 · char/);
    assert.ok(!tip.includes('Next-token predictions'), tip);
    await p.page.close();
  });

  it('tag: one row per token with its predicted tag, probability and two runners-up', async () => {
    const shown = await decodeInspectResult(tag.result);
    const t = shown.task as TagInspection;
    const p = await openWith(tag);
    const rows = await p.page.locator('#tag-table tbody tr').evaluateAll((trs) => trs.map((tr) => [...tr.querySelectorAll('td')].map((td) => td.textContent ?? '')));
    assert.equal(rows.length, shown.tokens.length);
    rows.forEach((r, i) => {
      const k = t.predicted[i]!;
      assert.equal(r[1], t.tags[k], `token ${i} “${r[0]}”`);
      assert.equal(r[2], percent(t.probabilities[i]![k]!));
      const others = t.probabilities[i]!.map((v, j) => [v, j] as const).filter(([, j]) => j !== k).sort((a, b) => b[0] - a[0]).slice(0, 2);
      assert.equal(r[3], others.map(([v, j]) => `${t.tags[j]} ${percent(v)}`).join(' · '));
    });
    assert.ok(t.predicted.some((k) => t.tags[k] !== 'O'), 'the recorded sentence has a NUM entity');
    await screenshot(p, 'inspector-tag', true);
    assert.deepEqual(await allProblems(p), []);
    await p.page.close();
  });

  it('seq2seq: the output, an output × source saliency map, and the Encoder / Decoder switch', async () => {
    const shown = await decodeInspectResult(seq2seq.result);
    const s = shown.task as Seq2seqInspection;
    const decoderTokens = shown.decoderTokens!;
    const p = await openWith(seq2seq);
    assert.equal(await p.page.textContent('#seq2seq-output'), s.output);
    const map = await p.page.locator('#saliency-map').evaluate((c) => ({ rows: Number((c as HTMLElement).dataset.rows), cols: Number((c as HTMLElement).dataset.cols), h: (c as HTMLElement).clientHeight }));
    assert.deepEqual([map.rows, map.cols], [decoderTokens.length, shown.tokens.length], 'rows: output tokens, columns: source tokens');
    assert.equal(map.h, decoderTokens.length * 14 + 16, 'a 14-pixel row per output token and the source axis');
    assert.ok((await canvasStats(p.page, '#saliency-map')).distinctColors > 10);
    // The recorded reverser attends (the trainer's default): its weights get a map of the same shape.
    assert.ok(s.attention, 'the fixture carries attention weights');
    s.attention.forEach((row, j) => assert.ok(Math.abs(row.reduce((a, b) => a + b, 0) - 1) < 1e-3, `row ${j} of α sums to 1`));
    const att = await p.page.locator('#attention-map').evaluate((c) => ({ rows: Number((c as HTMLElement).dataset.rows), cols: Number((c as HTMLElement).dataset.cols) }));
    assert.deepEqual([att.rows, att.cols], [decoderTokens.length, shown.tokens.length]);
    assert.ok((await canvasStats(p.page, '#attention-map')).distinctColors > 3, 'the attention map is drawn');
    // Hover the cell of the last output step's strongest source token: the tooltip gives α there.
    const last = s.attention.length - 1;
    const strongest = s.attention[last]!.indexOf(Math.max(...s.attention[last]!));
    const box = (await p.page.locator('#attention-map').boundingBox())!;
    await p.page.mouse.move(box.x + 56 + strongest * 14 + 7, box.y + last * 14 + 7);
    await p.waitFor(() => !(document.getElementById('tooltip') as HTMLElement).hidden);
    assert.match((await p.page.locator('#tooltip').textContent()) ?? '', new RegExp(`α⟨${last},${strongest}⟩ = `));

    const encoder = shown.layers.filter((l) => l.part !== 'decoder');
    const decoder = shown.layers.filter((l) => l.part === 'decoder');
    const gates = CELL_GATES[seq2seq.model.cell].length;
    const heatmapWidths = () => p.page.locator('canvas.heatmap').evaluateAll((cs) => cs.map((c) => (c as HTMLCanvasElement).width));
    assert.equal(await p.page.isVisible('#part-label'), true, 'the switch shows for a model with a decoder');
    assert.deepEqual(await heatmapWidths(), encoder.flatMap(() => new Array<number>(gates).fill(shown.tokens.length * 7)), 'encoder: one column per source token');
    await p.page.evaluate(() => {
      const sel = document.getElementById('part') as HTMLElement & { value: string };
      sel.value = 'decoder';
      sel.dispatchEvent(new Event('change'));
    });
    await p.waitFor((n) => document.querySelectorAll('canvas.heatmap').length === n, decoder.length * gates);
    assert.deepEqual(await heatmapWidths(), decoder.flatMap(() => new Array<number>(gates).fill(decoderTokens.length * 7)), 'decoder: one column per output token');
    assert.deepEqual(await p.page.locator('#gates h3').allTextContents(), decoder.map((l) => `Decoder layer ${l.layer + 1} — ${l.cell.toUpperCase()}, ${l.units} units`));
    assert.deepEqual(await p.page.locator('#layer vscode-option').allTextContents(), ['All', ...decoder.map((l) => `Decoder layer ${l.layer + 1}`)]);
    assert.equal(((await p.state()) as { part: string }).part, 'decoder');
    await screenshot(p, 'inspector-seq2seq', true);
    assert.deepEqual(await allProblems(p), []);
    await p.page.close();
  });

  it('a language model after a task model shows no task part and no Encoder / Decoder switch', async () => {
    const lstm = loadInspection('lstm').message;
    const p = await openWith(seq2seq);
    await p.push({ type: 'inspector/models', models: [...models, lstm.model], selected: lstm.model.dir });
    await p.push(lstm);
    await p.waitFor(() => document.getElementById('task')!.childElementCount === 0);
    assert.equal(await p.page.isVisible('#part-label'), false);
    assert.equal(await p.page.locator('canvas.heatmap').count(), lstm.result.layers.length * CELL_GATES.lstm.length);
    assert.deepEqual(await allProblems(p), []);
    await p.page.close();
  });
});
