// What a scenario says the cluster must show, and the check against a target's reported state.

import type { FuelBasisName } from '../../../firmware/platform/wasm/core.generated.js';
import { type Arc, arcs, degToFraction, fractionToDeg } from './dials.js';
import { type DialName, dialNames, type GaugeState, type LampName, type Phase } from './stateLine.js';

export interface NeedleExpectation {
  /** Needle angle in degrees (clockwise from 12 o'clock). */
  deg?: number;
  /** Position as a fraction of the dial's scale (0 = arc start, 1 = arc end). */
  fraction?: number;
  /** At least / at most this fraction of scale (for "rises past", "stays below"). */
  minFraction?: number;
  maxFraction?: number;
  /** Tolerance for deg/fraction, in degrees. Default 3. */
  tolDeg?: number;
}

export interface Expectation {
  phase?: Phase;
  /** Exactly these lamps active (order does not matter). */
  lamps?: readonly LampName[];
  lampsInclude?: readonly LampName[];
  lampsExclude?: readonly LampName[];
  /** The model readout; '' means the device shows none. */
  model?: string;
  stale?: boolean;
  over?: boolean;
  /** The fuel's basis (state line `basis=`). */
  basis?: FuelBasisName;
  /** The weekly readout as the state line prints it: `63%`, or `--`. */
  week?: string;
  /** The pace readout as the state line prints it: `42m`, `lasts`, or `--`. */
  eta?: string;
  needles?: Partial<Record<DialName, NeedleExpectation>>;
}

export const defaultTolDeg = 3;

/** Every way `state` misses `exp`, as short human-readable strings; empty when it matches. */
export function mismatches(state: GaugeState | null, exp: Expectation, geometry = arcs): string[] {
  if (!state) return ['no state line yet'];
  const out: string[] = [];
  if (exp.phase !== undefined && state.phase !== exp.phase) out.push(`phase ${state.phase} ≠ ${exp.phase}`);
  if (exp.lamps !== undefined) {
    const want = [...exp.lamps].sort().join(',');
    const got = [...state.lamps].sort().join(',');
    if (want !== got) out.push(`lamps ${state.lamps.join(',') || '-'} ≠ ${exp.lamps.join(',') || '-'}`);
  }
  for (const l of exp.lampsInclude ?? []) if (!state.lamps.includes(l)) out.push(`lamp ${l} not active`);
  for (const l of exp.lampsExclude ?? []) if (state.lamps.includes(l)) out.push(`lamp ${l} active`);
  if (exp.model !== undefined && state.model !== exp.model)
    out.push(`model "${state.model}" ≠ "${exp.model}"`);
  if (exp.stale !== undefined && state.stale !== exp.stale) out.push(`stale ${state.stale} ≠ ${exp.stale}`);
  if (exp.over !== undefined && state.over !== exp.over) out.push(`over ${state.over} ≠ ${exp.over}`);
  if (exp.basis !== undefined && state.basis !== exp.basis) out.push(`basis ${state.basis} ≠ ${exp.basis}`);
  if (exp.week !== undefined && state.week !== exp.week) out.push(`week ${state.week} ≠ ${exp.week}`);
  if (exp.eta !== undefined && state.eta !== exp.eta) out.push(`eta ${state.eta} ≠ ${exp.eta}`);
  for (const dial of dialNames) {
    const n = exp.needles?.[dial];
    if (!n) continue;
    const got = state[dial];
    const arc: Arc = geometry[dial];
    const tol = n.tolDeg ?? defaultTolDeg;
    const toDeg = (f: number) => arc.startDeg + f * (arc.endDeg - arc.startDeg);
    if (n.deg !== undefined && Math.abs(got - n.deg) > tol)
      out.push(`${dial} ${got.toFixed(1)}° ≠ ${n.deg.toFixed(1)}°±${tol}`);
    if (n.fraction !== undefined && Math.abs(got - toDeg(n.fraction)) > tol)
      out.push(
        `${dial} ${got.toFixed(1)}° ≠ ${toDeg(n.fraction).toFixed(1)}°±${tol} (${n.fraction} of scale)`,
      );
    if (n.minFraction !== undefined && got < toDeg(n.minFraction) - tol)
      out.push(
        `${dial} ${got.toFixed(1)}° below ${toDeg(n.minFraction).toFixed(1)}° (${n.minFraction} of scale)`,
      );
    if (n.maxFraction !== undefined && got > toDeg(n.maxFraction) + tol)
      out.push(
        `${dial} ${got.toFixed(1)}° above ${toDeg(n.maxFraction).toFixed(1)}° (${n.maxFraction} of scale)`,
      );
  }
  return out;
}

export function describeExpectation(exp: Expectation): string {
  const parts: string[] = [];
  if (exp.phase) parts.push(`phase=${exp.phase}`);
  if (exp.lamps) parts.push(`lamps=${exp.lamps.join(',') || '-'}`);
  if (exp.lampsInclude?.length) parts.push(`lamps⊇${exp.lampsInclude.join(',')}`);
  if (exp.lampsExclude?.length) parts.push(`lamps∌${exp.lampsExclude.join(',')}`);
  if (exp.model !== undefined) parts.push(`model=${exp.model || '-'}`);
  if (exp.stale !== undefined) parts.push(`stale=${exp.stale ? 1 : 0}`);
  if (exp.over !== undefined) parts.push(`over=${exp.over ? 1 : 0}`);
  if (exp.basis !== undefined) parts.push(`basis=${exp.basis}`);
  if (exp.week !== undefined) parts.push(`week=${exp.week}`);
  if (exp.eta !== undefined) parts.push(`eta=${exp.eta}`);
  for (const dial of dialNames) {
    const n = exp.needles?.[dial];
    if (!n) continue;
    if (n.deg !== undefined) parts.push(`${dial}≈${n.deg.toFixed(1)}°`);
    if (n.fraction !== undefined) parts.push(`${dial}≈${(n.fraction * 100).toFixed(0)}%`);
    if (n.minFraction !== undefined) parts.push(`${dial}≥${(n.minFraction * 100).toFixed(0)}%`);
    if (n.maxFraction !== undefined) parts.push(`${dial}≤${(n.maxFraction * 100).toFixed(0)}%`);
  }
  return parts.join(' ') || '(anything)';
}

export { degToFraction, fractionToDeg };
