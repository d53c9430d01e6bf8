// The simulator page: loads the core's wasm, picks the mode from the query string and runs the loop.
import { GaugeCore, GaugeCoreError } from '../../firmware/platform/wasm/gaugeCore.js';
import { isMockName, type MockName, mockNames } from './mocks/payloads.js';
import { type PageOptions, parseOptions } from './params.js';
import { LivePoller, type PollEvent, UsageStream } from './poller.js';
import { VectorPlayback, vectorNames } from './vectorPlay.js';
import { GaugeView, type PageState } from './view.js';

declare global {
  interface Window {
    /** Read-only test hook (Playwright, HIL): what the simulated device shows right now. */
    gauge?: {
      ready: boolean;
      state(): PageState | { error: string; ready: boolean };
      /** Work per animation frame in ms (core update + drawing), newest last. */
      frameCosts?(): number[];
    };
  }
}

function el<T extends HTMLElement>(id: string): T {
  const node = document.getElementById(id);
  if (node === null) throw new Error(`page is missing #${id}`);
  return node as T;
}

const modeEl = el<HTMLParagraphElement>('mode');
const messagesEl = el<HTMLDivElement>('messages');
const demoBanner = el<HTMLParagraphElement>('demo-banner');

function setMode(kind: string, text: string): void {
  modeEl.dataset.mode = kind;
  if (modeEl.textContent !== text) modeEl.textContent = text;
}

/** One message per key; an empty text removes it. */
function setMessage(key: string, text: string, kind: 'error' | 'info' = 'error'): void {
  let p = messagesEl.querySelector<HTMLParagraphElement>(`p[data-key="${key}"]`);
  if (text === '') {
    p?.remove();
    return;
  }
  if (p === null) {
    p = document.createElement('p');
    p.dataset.key = key;
    messagesEl.append(p);
  }
  p.className = kind;
  if (p.textContent !== text) p.textContent = text;
}

function listVectors(): void {
  const names = vectorNames();
  const p = el<HTMLParagraphElement>('vector-list');
  p.textContent = names.length === 0 ? 'No vectors bundled.' : 'Vectors: ';
  for (const name of names) {
    const a = document.createElement('a');
    a.href = `?vector=${encodeURIComponent(name)}`;
    a.textContent = name;
    p.append(a, ' ');
  }
}

async function loadCore(): Promise<GaugeCore> {
  // Relative to the page, so it works under the daemon at `/`, under vite, and from any static server.
  return GaugeCore.load(new URL('./gauge-core.wasm', document.baseURI));
}

function daemonLabel(opts: PageOptions): string {
  return opts.daemon === '' ? location.host : new URL(opts.daemon).host;
}

async function main(): Promise<void> {
  const opts = parseOptions(location.search);
  for (const [i, problem] of opts.problems.entries()) setMessage(`option-${i}`, problem);
  listVectors();

  let core: GaugeCore;
  try {
    core = await loadCore();
  } catch (e) {
    const message = e instanceof GaugeCoreError ? e.message : `could not start the gauge core: ${String(e)}`;
    setMessage('core', `The simulator cannot run: ${message}`);
    setMode('error', 'no core');
    window.gauge = { ready: true, state: () => ({ error: message, ready: true }) };
    return;
  }

  const view = new GaugeView(core, {
    screen: el('screen'),
    lamps: el('lamps'),
    history: el('history'),
    readouts: el('readouts'),
    stateLine: el('state-line'),
    demoBanner,
  });
  let error: string | null = null;
  let player: VectorPlayback | null = null;
  window.gauge = {
    ready: false,
    state: () => view.state(error, player?.state() ?? null),
    frameCosts: () => view.frameCosts(),
  };

  if (opts.mode === 'vector') {
    player = new VectorPlayback(core, view, opts, {
      setMode,
      setMessage,
      onError: (m) => {
        error = m;
      },
    });
    await player.start();
    window.gauge.ready = true;
    return;
  }

  let mock: MockName | null = null;
  if (opts.mode === 'mock') {
    if (!isMockName(opts.mock)) {
      setMessage('mock', `?mock=${opts.mock.slice(0, 40)} is unknown; pick one of ${mockNames.join(', ')}`);
      setMode('error', 'unknown mock');
      error = 'unknown mock';
      window.gauge.ready = true;
      return;
    }
    mock = opts.mock;
    try {
      const { startMockWorker } = await import('./mocks/browser.js');
      await startMockWorker(() => mock ?? 'idle');
    } catch (e) {
      setMessage(
        'mock',
        `The mock service worker did not start: ${e instanceof Error ? e.message : String(e)}`,
      );
    }
  }

  const base = opts.daemon;
  const usageUrl = `${base}/usage`;
  const now = () => performance.now();
  core.boot(now());

  const describeMode = () => {
    if (mock !== null) return { kind: 'mock', text: `mock: ${mock} (msw, no daemon)` };
    const where = `daemon ${daemonLabel(opts)}`;
    const src = view.source === '' ? '' : ` · source ${view.source}`;
    if (stream !== null) {
      const s = stream.state === 'open' ? 'stream (SSE)' : `stream ${stream.state}, polling`;
      return { kind: view.source === 'demo' ? 'demo' : 'stream', text: `${s} · ${where}${src}` };
    }
    return { kind: view.source === 'demo' ? 'demo' : 'live', text: `live: polling 1 Hz · ${where}${src}` };
  };

  const onEvent = (event: PollEvent) => {
    view.lastOutcome = event.outcome;
    if (event.outcome === 'ok') {
      view.recordPayload(now());
      setMessage('link', '');
    } else {
      // The device shows the last good values, then NO SIGNAL; the page says why in words.
      setMessage('link', `Last poll: ${event.outcome.replace('_', ' ')}: ${event.detail}`, 'info');
    }
  };

  const poller = new LivePoller(core, { usageUrl, token: opts.token, now, onEvent });
  let stream: UsageStream | null = null;
  if (opts.mode === 'stream') {
    const q = opts.token === '' ? '' : `?token=${encodeURIComponent(opts.token)}`;
    stream = new UsageStream(
      `${base}/usage/stream${q}`,
      (body) => {
        const result = core.applyPayloadJson(now(), body);
        onEvent({ outcome: result.outcome, result, detail: `stream: ${result.status ?? result.reason}` });
      },
      () => {},
    );
    stream.start();
  }

  const step = (draw: boolean) => {
    try {
      poller.tick();
      const t = now();
      core.update(t);
      if (draw) view.render(t, t);
      const m = describeMode();
      view.mode = m.kind;
      setMode(m.kind, m.text);
    } catch (e) {
      // Never leave the loop dead: show it, keep going.
      error = e instanceof Error ? e.message : String(e);
      setMessage('loop', `Simulator error: ${error}`);
    }
  };
  const frameLoop = () => {
    const workStart = performance.now();
    step(true);
    view.recordFrameCost(performance.now() - workStart);
    requestAnimationFrame(frameLoop);
  };
  requestAnimationFrame(frameLoop);
  // rAF stops in a hidden tab; the device keeps polling, so does the page.
  setInterval(() => {
    if (document.hidden) step(false);
  }, 200);
  window.gauge.ready = true;
}

main().catch((e: unknown) => {
  setMessage('fatal', `The simulator stopped: ${e instanceof Error ? e.message : String(e)}`);
});
