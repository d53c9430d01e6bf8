// Reads the Grafana dashboard shipped in ops/ and lists every PromQL expression in it.
import { readFileSync } from 'node:fs';

export const DASHBOARD_URL = new URL('../../../../ops/grafana/claude-gauge-dashboard.json', import.meta.url);

interface Panel {
  title?: unknown;
  type?: unknown;
  targets?: unknown;
  panels?: unknown;
}

export function loadDashboard(): { panels: Panel[] } & Record<string, unknown> {
  return JSON.parse(readFileSync(DASHBOARD_URL, 'utf8'));
}

/** Every panel, rows' nested panels included. */
export function allPanels(dashboard = loadDashboard()): Panel[] {
  const out: Panel[] = [];
  const walk = (panels: unknown) => {
    if (!Array.isArray(panels)) return;
    for (const p of panels as Panel[]) {
      out.push(p);
      walk(p.panels);
    }
  };
  walk(dashboard.panels);
  return out;
}

export function dashboardExpressions(dashboard = loadDashboard()): { title: string; expr: string }[] {
  return allPanels(dashboard).flatMap((p) =>
    Array.isArray(p.targets)
      ? (p.targets as { expr?: unknown }[]).map((t) => ({
          title: String(p.title),
          expr: String(t.expr ?? ''),
        }))
      : [],
  );
}
