// Diagnostic (not part of the suite): time from the first training step to the dashboard's first points.
import { mkdirSync, mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawn } from 'node:child_process';
import { VsCodeSession, repoRoot, waitFor } from './harness';

function text(bytes: number): string {
  let s = 7; const n = (k: number) => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) % k);
  const w = ['the cat', 'sat on', 'the mat', 'a dog', 'ran to', 'the river', 'in the morning', 'after dinner'];
  let out = ''; while (out.length < bytes) out += w[n(w.length)] + (n(9) === 0 ? '.\n' : ' ');
  return out;
}

async function main(): Promise<void> {
  const root = mkdtempSync(join(tmpdir(), 'rnnlab-diag-'));
  const workspace = join(root, 'workspace'); mkdirSync(workspace);
  writeFileSync(join(workspace, 'stories.txt'), text(40_000));
  const load = process.env.DIAG_LOAD === '1' ? [0, 1].map(() => spawn(process.execPath, ['-e', 'for(;;){}'], { stdio: 'ignore' })) : [];
  const session = await VsCodeSession.start({ name: 'diag', workspace, extensions: [repoRoot], settings: {
    'rnnLab.training.evalEvery': 10, 'rnnLab.training.checkpointEvery': 50, 'rnnLab.training.sampleEvery': 50, 'files.autoSave': 'off', ...JSON.parse(process.env.DIAG_SETTINGS ?? '{}') } });
  try {
    await session.openView('Models');
    if (process.env.DIAG_SHOWLOG === '1') { await session.runCommand('RNN Lab: Show Log'); await session.runCommand('View: Hide Panel'); }
    await session.openFile('stories.txt');
    await session.runCommand('RNN Lab: Train Model on Active File…', { timeout: 60_000 });
    await session.pickQuickItem(/Choose a preset/, 'Custom…');
    await session.pickQuickItem(/Recurrent cell/, 'LSTM');
    await session.typeQuickInput(/Number of layers/, '1');
    await session.typeQuickInput(/Hidden units per layer/, '48');
    await session.pickQuickItem(/Tokens: characters or words/, 'Characters');
    await session.typeQuickInput(/Sequence length/, '32');
    await session.typeQuickInput(/Stop after/, '0.5 minutes');
    const { readdirSync, readFileSync } = await import('node:fs');
    const cpu = (): Map<string, number> => {
      const m = new Map<string, number>();
      for (const pid of readdirSync('/proc').filter((d) => /^\d+$/.test(d))) {
        try {
          const cmd = readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ');
          let kind = '';
          if (cmd.includes('rnnlab-diag') || cmd.includes('code-server')) kind = cmd.includes('extensionHost') || cmd.includes('--type=extensionHost') ? 'exthost' : cmd.includes('fileWatcher') || cmd.includes('watcher') ? 'watcher' : cmd.includes('ptyHost') ? 'pty' : 'server';
          else if (cmd.includes('chromium')) kind = 'chromium ' + (/--type=(\S+)/.exec(cmd)?.[1] ?? 'browser');
          if (!kind) continue;
          for (const tid of readdirSync(`/proc/${pid}/task`)) {
            const st = readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8');
            const f = st.slice(st.lastIndexOf(')') + 2).split(' ');
            const name = st.slice(st.indexOf('(') + 1, st.lastIndexOf(')'));
            const k = kind === 'exthost' || kind === 'server' ? `${kind}:${name}` : kind;
            m.set(k, (m.get(k) ?? 0) + Number(f[11]) + Number(f[12]));
          }
        } catch { /* gone */ }
      }
      return m;
    };
    const cpuBefore = cpu();
    const entered = Date.now();
    const seen = new Map<string, number>();
    let polling = true;
    const poll = (async () => {
      while (polling) {
        for (const f of session.page.frames()) {
          const u = f.url().replace(/^https?:\/\/[^/]+/, '').replace(/\?.*/, '').slice(-60);
          if (!seen.has('frame ' + u)) seen.set('frame ' + u, Date.now());
          if (f !== session.page.mainFrame()) {
            const st = await f.evaluate(() => [document.readyState, !!document.getElementById('app'), !!document.getElementById('loss-chart')].join(',')).catch(() => 'x');
            const k = `doc ${u} ${st}`;
            if (!seen.has(k)) seen.set(k, Date.now());
          }
        }
        await new Promise((r) => setTimeout(r, 20));
      }
    })();
    const cdp = process.env.DIAG_PROFILE ? await session.page.context().newCDPSession(session.page) : null;
    if (cdp) { await cdp.send('Profiler.enable'); await cdp.send('Profiler.setSamplingInterval', { interval: 1000 }); await cdp.send('Profiler.start'); }
    await session.typeQuickInput(/Model name/, 'diag');
    if (cdp) setTimeout(async () => {
      const { profile } = await cdp.send('Profiler.stop') as { profile: { nodes: { id: number; callFrame: { functionName: string; url: string; lineNumber: number }; hitCount?: number }[]; samples: number[]; timeDeltas: number[] } };
      const self = new Map<string, number>();
      const byId = new Map(profile.nodes.map((n) => [n.id, n]));
      const counts = new Map<number, number>();
      for (const id of profile.samples) counts.set(id, (counts.get(id) ?? 0) + 1);
      let total = 0;
      for (const [id, c] of counts) { const n = byId.get(id)!; const k = `${n.callFrame.functionName || '(anon)'} ${n.callFrame.url.split('/').slice(-2).join('/')}:${n.callFrame.lineNumber}`; self.set(k, (self.get(k) ?? 0) + c); total += c; }
      console.log(`PROFILE workbench main thread, ${total} samples of 1 ms over 8 s`);
      for (const [k, c] of [...self].sort((a, b) => b[1] - a[1]).slice(0, 25)) console.log(`  ${c} ${k}`);
    }, 8000);
    await waitFor(async () => (await session.statusBarItems()).find((i) => i.includes('diag') && /step \d+/.test(i)), { timeout: 60_000, interval: 20, what: 'first step' });
    const firstStep = Date.now();
    let frameAt = 0;
    const points = await waitFor(async () => {
      for (const f of session.page.frames()) {
        if (f === session.page.mainFrame()) continue;
        const el = await f.$('#loss-chart').catch(() => null);
        if (!el) continue;
        if (!frameAt) frameAt = Date.now();
        const p = Number(await el.evaluate((e) => (e as HTMLElement).dataset.points ?? '0'));
        if (p > 0) return p;
      }
      return null;
    }, { timeout: 30_000, interval: 20, what: 'points' }).catch(() => -1);
    const pointsAt = Date.now();
    polling = false; await poll;
    const cpuAfter = cpu();
    const rows = [...cpuAfter].map(([k, v]) => [k, (v - (cpuBefore.get(k) ?? 0)) / 100] as const).filter(([, v]) => v > 0.05).sort((a, b) => b[1] - a[1]);
    console.log(`CPU s over ${(Date.now() - entered) / 1000} s: ` + rows.map(([k, v]) => `${k} ${v.toFixed(2)}`).join(', '));
    for (const f of session.page.frames()) {
      if (!f.url().includes('pre/index.html')) continue;
      const marks = await f.evaluate(() => performance.getEntriesByType('mark').map((m) => [m.name, performance.timeOrigin + m.startTime] as [string, number])).catch(() => []);
      for (const [n, t] of marks) console.log(`  mark +${Math.round(t - entered)} ms ${n}`);
    }
    for (const [k, t] of seen) console.log(`  +${t - entered} ms ${k}`);
    console.log(`DIAG ${process.env.DIAG_LABEL ?? ''}: name→step ${firstStep - entered} ms; step→#loss-chart ${frameAt ? frameAt - firstStep : 'never'} ms; step→points ${points > 0 ? pointsAt - firstStep : 'never'} ms`);
  } finally {
    for (const p of load) p.kill();
    await session.stop();
    rmSync(root, { recursive: true, force: true });
  }
}
void main().catch((e) => { console.error(e); process.exit(1); });
