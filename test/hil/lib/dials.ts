// Dial geometry the HIL assertions need to turn a value into a needle angle. The firmware does not print
// its arcs, so these mirror firmware/core (scale.cpp for the tach scale, cluster.cpp kTachStart/kSmallStart
// and their ends for the arcs); the
// cold-boot scenario checks them against every target (needles at rest = arc start, and the sweep
// reaching the arc end), so a firmware change that moves an arc fails loudly instead of silently.
import type { DialName } from './stateLine.js';

export interface Arc {
  startDeg: number;
  endDeg: number;
}

export const arcs: Record<DialName, Arc> = {
  tach: { startDeg: -135, endDeg: 135 },
  fuel: { startDeg: -120, endDeg: 120 },
  temp: { startDeg: -120, endDeg: 120 },
  boost: { startDeg: -120, endDeg: 120 },
};

/** Fraction of scale -> needle angle, like gauge::fractionToDeg. */
export function fractionToDeg(dial: DialName, fraction: number): number {
  const a = arcs[dial];
  return a.startDeg + fraction * (a.endDeg - a.startDeg);
}

export function degToFraction(dial: DialName, deg: number): number {
  const a = arcs[dial];
  return (deg - a.startDeg) / (a.endDeg - a.startDeg);
}

// Tach full scale: the smallest "nice" number >= headroom x redline (gauge::tachFullScale).
const tachHeadroom = 1.25;
const niceSteps = [1, 1.5, 2, 2.5, 3, 4, 5, 6, 8];

export function tachFullScale(redline: number): number {
  const want = Math.max(10, tachHeadroom * redline);
  let decade = 10 ** Math.floor(Math.log10(want));
  for (;;) {
    for (const step of niceSteps) {
      if (step * decade >= want * (1 - 1e-6)) return step * decade;
    }
    decade *= 10;
  }
}

/** Tach needle angle for a rate (tokens/min) with a given redline. */
export function tachDeg(rate: number, redline: number): number {
  return fractionToDeg('tach', Math.min(1, Math.max(0, rate / tachFullScale(redline))));
}
