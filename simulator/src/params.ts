// Page options from the query string. Everything is optional; an unusable value is reported, not guessed.
import { sceneByName, scenes, sceneVector } from './scenes.js';

export type Mode = 'live' | 'stream' | 'vector' | 'mock';

export interface PageOptions {
  mode: Mode;
  /** Base URL of the daemon; '' means the page's own origin (the daemon serves the page at `/`). */
  daemon: string;
  token: string;
  /** The vector to play (`?vector=NAME`, or the vector of `?scene=NAME`). */
  vector: string;
  mock: string;
  /** Vector time to show, ms; null = play from 0 in real time. */
  t: number | null;
  paused: boolean;
  /** Playback speed multiplier for vectors. */
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
  let vector = q.get('vector') ?? '';
  const mock = q.get('mock') ?? '';
  const rawT = q.get('t');
  let t = finiteNumber(rawT);
  if (rawT !== null && (t === null || t < 0))
    problems.push(`?t=${rawT.slice(0, 40)} is not a time in ms ≥ 0`);
  // A scene is a vector frozen at its time.
  const sceneName = q.get('scene');
  if (sceneName !== null) {
    const scene = sceneByName(sceneName);
    if (scene === undefined) {
      problems.push(
        `?scene=${sceneName.slice(0, 40)} is unknown; pick one of ${scenes.map((s) => s.name).join(', ')}`,
      );
    } else if (vector === '') {
      vector = sceneVector;
      if (rawT === null) t = scene.t;
    }
  }
  const speed = finiteNumber(q.get('speed')) ?? 1;
  const mode: Mode =
    vector !== '' ? 'vector' : mock !== '' ? 'mock' : q.get('stream') !== null ? 'stream' : 'live';
  return {
    mode,
    daemon,
    token: q.get('token') ?? '',
    vector,
    mock,
    t: t !== null && t >= 0 ? t : null,
    paused: q.has('paused') || (t !== null && t >= 0 && !q.has('play')),
    speed: speed > 0 && speed <= 100 ? speed : 1,
    problems,
  };
}
