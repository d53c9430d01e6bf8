// Text readouts of every gauge and lamp, for screen readers and as a plain desk dashboard. The region is
// aria-live, so it is rewritten only when a value's text changes, and at most once a second.
import type { Frame } from './frame.js';

// Keys are the core's own enum names (lower-cased): phaseName() and the wasm module's dial names.
const PHASE_TEXT: Record<string, string> = {
  selftest: 'self test',
  live: 'live',
  nosignal: 'NO SIGNAL',
};

const DIAL_NAMES: Record<string, string> = {
  tach: 'Tachometer',
  fuel: 'Fuel (5 h window)',
  temp: 'Temperature (thinking)',
  boost: 'Boost (cache hits)',
};

export function readoutLines(frame: Frame): [string, string][] {
  const lines: [string, string][] = [
    ['Phase', PHASE_TEXT[String(frame.phase).toLowerCase()] ?? String(frame.phase)],
  ];
  for (const dial of frame.dials) {
    const name = DIAL_NAMES[String(dial.id).toLowerCase()] ?? String(dial.id);
    const value = dial.value.text.trim() === '' ? '—' : dial.value.text.trim();
    const unit = dial.label.text.trim();
    lines.push([name, unit === '' ? value : `${value} ${unit.toLowerCase()}`]);
  }
  const active = frame.lamps.filter((l) => l.active).map((l) => l.label.trim());
  lines.push(['Warning lamps', active.length === 0 ? 'none' : active.join(', ')]);
  lines.push(['Model', frame.model.text.trim() === '' ? '—' : frame.model.text.trim()]);
  lines.push(['Status', frame.status.text.trim() === '' ? '—' : frame.status.text.trim()]);
  // The quota readouts, as the core wrote them (OFFICIAL / EST, WEEK 63% 2d4h, FULL IN 42m / LASTS).
  lines.push(['Fuel basis', frame.basis.text.trim() === '' ? '—' : frame.basis.text.trim()]);
  lines.push(['Weekly quota', frame.week.text.trim()]);
  lines.push(['Pace', frame.pace.text.trim()]);
  if (frame.stale) lines.push(['Data', "stale: the daemon's source missed its refresh"]);
  if (frame.fuel_over) lines.push(['Fuel', 'over 100 % of the 5 h window']);
  return lines;
}

export class Readouts {
  private cells = new Map<string, HTMLElement>();
  private lastWrite = Number.NEGATIVE_INFINITY;

  constructor(private readonly list: HTMLElement) {}

  /** `force` bypasses the once-a-second limit (scenario jumps, paused frames). */
  update(frame: Frame, wallMs: number, force = false): void {
    if (!force && wallMs - this.lastWrite < 1000) return;
    this.lastWrite = wallMs;
    const seen = new Set<string>();
    for (const [name, value] of readoutLines(frame)) {
      seen.add(name);
      let cell = this.cells.get(name);
      if (cell === undefined) {
        const dt = document.createElement('dt');
        dt.textContent = name;
        cell = document.createElement('dd');
        cell.dataset.readout = name;
        this.list.append(dt, cell);
        this.cells.set(name, cell);
      }
      if (cell.textContent !== value) cell.textContent = value;
    }
    for (const [name, cell] of this.cells) {
      if (seen.has(name)) continue;
      cell.previousElementSibling?.remove();
      cell.remove();
      this.cells.delete(name);
    }
  }
}
