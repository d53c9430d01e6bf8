// Page options from the query string. Everything is optional; an unusable value is reported, not guessed.

export type Mode = 'live' | 'stream' | 'scenario' | 'mock';

export interface PageOptions {
  mode: Mode;
  /** Base URL of the daemon; '' means the page's own origin (the daemon serves the page at `/`). */
  daemon: string;
  token: string;
  scenario: string;
  mock: string;
  /** Scenario time to show, ms; null = play from 0 in real time. */
  t: number | null;
  paused: boolean;
  /** Playback speed multiplier for scenarios. */
  speed: number;
  problems: string[];
}

function finiteNumber(raw: string | null): number | null {
  if (raw === null || raw.trim() === '') return null;
  const value = Number(raw);
  return Number.isFinite(value) ? value : null;
}

export function parseOptions(search: string): PageOptions {
  const q = new URLSearchParams(search);
  const problems: string[] = [];
  let daemon = (q.get('daemon') ?? '').trim();
  if (daemon !== '') {
    try {
      const url = new URL(daemon);
      if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new Error('not http');
      daemon = url.href.replace(/\/+$/, '');
    } catch {
      problems.push(`?daemon=${daemon.slice(0, 80)} is not an http(s) URL; using this page's origin`);
      daemon = '';
    }
  }
  const scenario = q.get('scenario') ?? '';
  const mock = q.get('mock') ?? '';
  const rawT = q.get('t');
  const t = finiteNumber(rawT);
  if (rawT !== null && (t === null || t < 0))
    problems.push(`?t=${rawT.slice(0, 40)} is not a time in ms ≥ 0`);
  const speed = finiteNumber(q.get('speed')) ?? 1;
  const mode: Mode =
    scenario !== '' ? 'scenario' : mock !== '' ? 'mock' : q.get('stream') !== null ? 'stream' : 'live';
  return {
    mode,
    daemon,
    token: q.get('token') ?? '',
    scenario,
    mock,
    t: t !== null && t >= 0 ? t : null,
    paused: q.has('paused') || (t !== null && t >= 0 && !q.has('play')),
    speed: speed > 0 && speed <= 100 ? speed : 1,
    problems,
  };
}
