// The device rows of `npm run bench` (bench/device.mjs runs this): what the ESP32 app's renderer sends to
// the panel, measured on the virtual panel of each platformio.ini env -- SPI bytes per frame and their time at
// the env's SPI_FREQUENCY, for a frame with every needle moving, one needle moving, nothing changing, and a
// full redraw; and the sprite RAM the renderer holds. Frames come from the wasm core at the device's frame
// period, from scripted runs below (the self-test sweep moves every needle at once; a payload that changes
// only the token rate moves only the tach; a steady payload changes nothing).
import { envDefines, envNames, loadIni } from '../../../test/lib/platformioIni.mjs';
import { type Frame, GaugeCore } from '../wasm/gaugeCore.js';
import { buildPanel, type FrameResult, findKit, noKitMessage, PanelProcess, panelRefusal } from './panel.js';
import { FRAME_PERIOD_MS, openVector, wasmModule } from './scenes.js';

/** 30 frames a second: every needle moving must fit one frame period on the wire. */
export const GOAL_FRAME_MS = 33;

const payload = (rate: number) => ({
  v: 1,
  ts: 1763780000000,
  rate_1m: rate,
  rate_redline: 60000,
  window_5h_tokens: 840000,
  window_5h_pct: 0.42,
  window_5h_reset_in_s: 10920,
  thinking_ratio: 0.35,
  cache_hit_rate: 0.82,
  last_model: 'claude-opus-4-5-20251101',
  sessions_active: 1,
  hot: false,
  warn: false,
  stall: false,
  idle: false,
  stale: false,
  source: 'jsonl',
});

// Boot (the self-test sweeps every needle), a steady payload until everything rests, then one that changes
// only rate_1m: the tach needle swings, nothing else moves after the first frame (its value text).
const RUN = JSON.stringify({
  description: 'device bench: self-test, steady, tach only',
  steps: [
    { at: 0, boot: true },
    { at: 1600, until: 8000, every: 50, serve_payload: payload(18000) },
    { at: 8050, until: 12000, every: 50, serve_payload: payload(42000) },
  ],
});
const TACH_STARTS_MS = 8050;

export interface EnvFigures {
  envs: string[];
  spiHz: number;
  allNeedles: FrameResult;
  oneNeedle: FrameResult;
  nothing: FrameResult;
  full: FrameResult;
  frames: { allNeedles: number; oneNeedle: number; nothing: number };
}

const worst = (rs: FrameResult[]) =>
  rs.reduce((a, b) => (b.spi.bytes > a.spi.bytes ? b : a), rs[0] as FrameResult);

/** Plays RUN on a booted panel and sorts its frames by what moved (needle_seq changes per dial). */
export async function measure(
  panel: PanelProcess,
  module: WebAssembly.Module,
): Promise<Omit<EnvFigures, 'envs' | 'spiHz'>> {
  const { core, player } = await openVector(module, RUN);
  await panel.boot(1);
  const all: FrameResult[] = [];
  const one: FrameResult[] = [];
  const none: FrameResult[] = [];
  let full: FrameResult | null = null;
  let prev: Frame | null = null;
  for (let t = 0; t <= player.endTime; t += FRAME_PERIOD_MS) {
    player.showAt(t);
    const f = core.frame();
    const r = await panel.frame(core.frameBytes());
    if (prev === null) full = r;
    else {
      const p = prev;
      const moved = f.dials.filter((d, i) => d.needle_seq !== p.dials[i]?.needle_seq).length;
      // Anything but a needle changed (the first frame of a new payload also rewrites its value text).
      const other =
        f.layout_seq !== p.layout_seq ||
        f.model.seq !== p.model.seq ||
        f.status.seq !== p.status.seq ||
        f.lamps.some((l, i) => l.seq !== p.lamps[i]?.seq) ||
        f.dials.some((d, i) => {
          const o = p.dials[i];
          return d.face_seq !== o?.face_seq || d.label.seq !== o.label.seq || d.value.seq !== o.value.seq;
        });
      const tachOnly = moved === 1 && f.dials[0]?.needle_seq !== p.dials[0]?.needle_seq;
      if (f.phase === 'SELFTEST' && moved === 4 && !other) all.push(r);
      else if (t > TACH_STARTS_MS && tachOnly && !other) one.push(r);
      else if (f.phase === 'LIVE' && t > 6000 && t < TACH_STARTS_MS && moved === 0 && !other) none.push(r);
    }
    prev = f;
  }
  if (full === null || all.length === 0 || one.length === 0 || none.length === 0)
    throw new Error(
      `device bench: the run did not give every kind of frame (all ${all.length}, one ${one.length}, none ${none.length})`,
    );
  return {
    allNeedles: worst(all),
    oneNeedle: worst(one),
    nothing: worst(none),
    full,
    frames: { allNeedles: all.length, oneNeedle: one.length, nothing: none.length },
  };
}

/**
 * Every env with its own TFT configuration (envs whose -D flags are identical, e.g. an OTA twin, share one),
 * and the envs the panel cannot show (another display driver), with why.
 */
export function envGroups(): { groups: { envs: string[]; key: string }[]; refused: string[] } {
  const ini = loadIni();
  const groups = new Map<string, string[]>();
  const refused: string[] = [];
  for (const env of envNames(ini)) {
    const d = envDefines(ini, env);
    const why = panelRefusal(env);
    if (d === null || why !== null) {
      refused.push(why ?? env);
      continue;
    }
    const key = JSON.stringify([...d]);
    groups.set(key, [...(groups.get(key) ?? []), env]);
  }
  return { groups: [...groups].map(([key, envs]) => ({ key, envs })), refused };
}

export interface BenchRow {
  bench: string;
  metric: string;
  unit: string;
  gauge: number;
  peer: null;
  ratio: null;
  goal: string;
  met: boolean | null;
}

export async function run(
  log: (s: string) => void = console.log,
): Promise<{ rows: BenchRow[]; figures: EnvFigures[] } | null> {
  const kit = findKit();
  if (kit.dir === null) {
    log(noKitMessage(kit.looked));
    return null;
  }
  const module = await wasmModule();
  const layout = (await GaugeCore.load(module)).layout;
  const figures: EnvFigures[] = [];
  const { groups, refused } = envGroups();
  for (const why of refused) log(`device rows: not measured: ${why}`);
  for (const g of groups) {
    const env = g.envs[0] as string;
    const { panel, hello } = await PanelProcess.start(buildPanel(env, kit.dir), layout);
    try {
      figures.push({ envs: g.envs, spiHz: hello.env.spi_hz, ...(await measure(panel, module)) });
    } finally {
      await panel.close();
    }
  }
  const rows: BenchRow[] = [];
  const row = (metric: string, unit: string, gauge: number, goal = '', met: boolean | null = null) =>
    rows.push({ bench: 'device', metric, unit, gauge, peer: null, ratio: null, goal, met });
  const ms = (ns: number) => Number((ns / 1e6).toFixed(2));
  for (const f of figures) {
    const at = `${f.envs.join('/')} @ ${f.spiHz / 1e6} MHz`;
    const isCyd = f.envs.includes('cyd');
    row(`${at}: every needle moving, SPI per frame`, 'B', f.allNeedles.spi.bytes);
    row(
      `${at}: every needle moving, on the wire`,
      'ms',
      ms(f.allNeedles.spi.wire_ns),
      isCyd ? `<= ${GOAL_FRAME_MS} ms` : '',
      isCyd ? f.allNeedles.spi.wire_ns <= GOAL_FRAME_MS * 1e6 : null,
    );
    row(`${at}: one needle (tach) moving, SPI per frame`, 'B', f.oneNeedle.spi.bytes);
    row(`${at}: one needle (tach) moving, on the wire`, 'ms', ms(f.oneNeedle.spi.wire_ns));
    row(`${at}: nothing changing, SPI per frame`, 'B', f.nothing.spi.bytes, '0 B', f.nothing.spi.bytes === 0);
    row(`${at}: full redraw (first frame), SPI`, 'B', f.full.spi.bytes);
    row(`${at}: full redraw, on the wire`, 'ms', ms(f.full.spi.wire_ns));
    row(`${at}: sprite RAM in use`, 'B', f.full.sprite_bytes);
  }
  return { rows, figures };
}
