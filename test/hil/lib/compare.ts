// Cross-target agreement: the same scenario at the same assertion point must look the same on every
// target. Discrete fields (phase, lamps, model, flags, the fuel's basis, the weekly readout) must be equal;
// needles equal within a tolerance. The pace readout (eta) is not compared: on the estimate basis it follows
// the last minute's rate, which moves between the moments the targets pass, like a needle that is not settled.
import { type DialName, dialNames, type GaugeState } from './stateLine.js';

export const agreeTolDeg = 2;

export interface FieldDiff {
  field: string;
  values: Record<string, string>;
}

function discrete(s: GaugeState): Record<string, string> {
  return {
    phase: s.phase,
    lamps: s.lamps.join(',') || '-',
    model: s.model || '-',
    stale: s.stale ? '1' : '0',
    over: s.over ? '1' : '0',
    basis: s.basis,
    week: s.week,
  };
}

/**
 * Fields on which the targets' states disagree. `compareNeedles` lists the dials whose needles are
 * settled on every target (moving needles are compared by the assertion itself, not here).
 */
export function diffStates(
  states: Record<string, GaugeState>,
  compareNeedles: readonly DialName[] = dialNames,
  tolDeg = agreeTolDeg,
): FieldDiff[] {
  const names = Object.keys(states);
  if (names.length < 2) return [];
  const diffs: FieldDiff[] = [];
  const per = Object.fromEntries(names.map((n) => [n, discrete(states[n] as GaugeState)]));
  for (const field of ['phase', 'lamps', 'model', 'stale', 'over', 'basis', 'week']) {
    const values = Object.fromEntries(names.map((n) => [n, per[n]?.[field] ?? '']));
    if (new Set(Object.values(values)).size > 1) diffs.push({ field, values });
  }
  for (const dial of compareNeedles) {
    const degs = names.map((n) => (states[n] as GaugeState)[dial]);
    if (Math.max(...degs) - Math.min(...degs) > tolDeg) {
      diffs.push({
        field: dial,
        values: Object.fromEntries(names.map((n, i) => [n, `${(degs[i] ?? 0).toFixed(1)}°`])),
      });
    }
  }
  return diffs;
}

/**
 * Which targets are "the odd ones out": outside the largest group of targets that agree on every
 * differing field. With no clear majority (a tie, or two targets), every target is blamed.
 */
export function blame(
  states: Record<string, GaugeState>,
  diffs: FieldDiff[],
  tolDeg = agreeTolDeg,
): string[] {
  if (diffs.length === 0) return [];
  const names = Object.keys(states);
  // Discrete fields compare by value; a needle by whether it is within the tolerance of the median.
  const needleOk = new Map<string, Map<string, boolean>>();
  for (const d of diffs) {
    if (!(dialNames as readonly string[]).includes(d.field)) continue;
    const degs = names.map((n) => (states[n] as GaugeState)[d.field as DialName]).sort((a, b) => a - b);
    const median = degs[Math.floor((degs.length - 1) / 2)] ?? 0;
    needleOk.set(
      d.field,
      new Map(
        names.map((n) => [n, Math.abs((states[n] as GaugeState)[d.field as DialName] - median) <= tolDeg]),
      ),
    );
  }
  const signature = (n: string) =>
    diffs.map((d) => (needleOk.has(d.field) ? String(needleOk.get(d.field)?.get(n)) : d.values[n])).join('|');
  const groups = new Map<string, string[]>();
  for (const n of names) groups.set(signature(n), [...(groups.get(signature(n)) ?? []), n]);
  const sizes = [...groups.values()].map((g) => g.length).sort((a, b) => b - a);
  if (groups.size === 1 || (sizes.length > 1 && sizes[0] === sizes[1])) return names;
  const majority = [...groups.values()].find((g) => g.length === sizes[0]) ?? [];
  return names.filter((n) => !majority.includes(n));
}

/** A side-by-side table of the targets' states, differing rows marked with "≠". */
export function sideBySide(states: Record<string, GaugeState>, diffs: FieldDiff[]): string {
  const names = Object.keys(states);
  const rows: string[][] = [['', ...names]];
  const differing = new Set(diffs.map((d) => d.field));
  const fields: [string, (s: GaugeState) => string][] = [
    ['phase', (s) => s.phase],
    ['lamps', (s) => s.lamps.join(',') || '-'],
    ['model', (s) => s.model || '-'],
    ['tach', (s) => `${s.tach.toFixed(1)}°`],
    ['fuel', (s) => `${s.fuel.toFixed(1)}°`],
    ['temp', (s) => `${s.temp.toFixed(1)}°`],
    ['boost', (s) => `${s.boost.toFixed(1)}°`],
    ['rgb', (s) => s.rgb],
    ['stale', (s) => (s.stale ? '1' : '0')],
    ['over', (s) => (s.over ? '1' : '0')],
    ['basis', (s) => s.basis],
    ['week', (s) => s.week],
    ['eta', (s) => s.eta],
  ];
  for (const [field, get] of fields) {
    rows.push([
      `${differing.has(field) ? '≠ ' : '  '}${field}`,
      ...names.map((n) => get(states[n] as GaugeState)),
    ]);
  }
  const widths = rows[0]?.map((_, c) => Math.max(...rows.map((r) => (r[c] ?? '').length))) ?? [];
  return rows
    .map((r) =>
      r
        .map((cell, c) => cell.padEnd(widths[c] ?? 0))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}
