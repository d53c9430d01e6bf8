// What a person reads after a run: JUnit XML for CI, a per-target summary table (printed and written to
// summary.md), and the failure details with the states each target showed.
import type { TargetName } from '../targets/target.js';
import type { ScenarioResult } from './runScenario.js';
import { formatState } from './stateLine.js';

export interface SkippedTarget {
  target: TargetName;
  reason: string;
}

export interface RunReport {
  scenarios: ScenarioResult[];
  targets: TargetName[];
  skipped: SkippedTarget[];
  durationMs: number;
  /** Relative paths of the PNG strips, by scenario then target. */
  strips: Record<string, Partial<Record<TargetName, string>>>;
}

export function escapeXml(s: string): string {
  return (
    s
      .replace(/&/g, '&amp;')
      .replace(/</g, '&lt;')
      .replace(/>/g, '&gt;')
      .replace(/"/g, '&quot;')
      .replace(/'/g, '&apos;')
      // XML 1.0 forbids most control characters even escaped: drop them (device output can contain any).
      // biome-ignore lint/suspicious/noControlCharactersInRegex: removing them is the point
      .replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]/g, '')
  );
}

export function counts(report: RunReport): { passed: number; failed: number } {
  let passed = 0;
  let failed = 0;
  for (const s of report.scenarios)
    for (const r of s.results) {
      if (r.status === 'passed') passed++;
      else if (r.status === 'failed') failed++;
    }
  return { passed, failed };
}

/** Assertion trail of one scenario on one target, for system-out and the Markdown details. */
function trail(s: ScenarioResult, target: TargetName): string[] {
  const lines: string[] = [];
  for (const a of s.assertions) {
    const o = a.perTarget[target];
    if (!o) continue;
    const state = o.state ? formatState(o.state) : 'no state';
    // ms and t are on the target's own clock (its state lines' t=).
    const at = o.t === undefined ? '' : ` (t=${o.t})`;
    lines.push(`${o.ok ? 'ok  ' : 'FAIL'} ${a.label} [${a.expectation}] after ${o.ms} ms${at}: ${state}`);
  }
  return lines;
}

export function junitXml(report: RunReport): string {
  const out: string[] = ['<?xml version="1.0" encoding="UTF-8"?>'];
  const { passed, failed } = counts(report);
  const skippedCount = report.skipped.length * report.scenarios.length;
  out.push(
    `<testsuites name="hil" tests="${passed + failed + skippedCount}" failures="${failed}" skipped="${skippedCount}" time="${(report.durationMs / 1000).toFixed(3)}">`,
  );
  const allTargets: TargetName[] = [...report.targets, ...report.skipped.map((s) => s.target)];
  for (const target of allTargets) {
    const skip = report.skipped.find((s) => s.target === target);
    const cases = report.scenarios.map((s) => ({ s, r: s.results.find((r) => r.target === target) }));
    const nFailed = cases.filter((c) => c.r?.status === 'failed').length;
    const time = cases.reduce((a, c) => a + (c.r ? c.s.durationMs : 0), 0) / 1000;
    out.push(
      `  <testsuite name="hil.${target}" tests="${cases.length}" failures="${nFailed}" skipped="${skip ? cases.length : 0}" time="${time.toFixed(3)}">`,
    );
    for (const { s, r } of cases) {
      const head = `    <testcase classname="hil.${target}" name="${escapeXml(s.scenario)}" time="${(s.durationMs / 1000).toFixed(3)}"`;
      if (skip || !r) {
        out.push(
          `${head}>`,
          `      <skipped message="${escapeXml(skip?.reason ?? 'not run')}"/>`,
          '    </testcase>',
        );
        continue;
      }
      out.push(`${head}>`);
      if (r.status === 'failed') {
        const first = (r.error ?? 'failed').split('\n')[0] ?? 'failed';
        out.push(
          `      <failure message="${escapeXml(first.slice(0, 500))}">${escapeXml(r.error ?? '')}</failure>`,
        );
      }
      const sysout = [...trail(s, target), ...s.notes.map((n) => `note: ${n}`)];
      if (r.status === 'failed' && s.daemonLog) sysout.push('daemon log:', s.daemonLog);
      if (sysout.length) out.push(`      <system-out>${escapeXml(sysout.join('\n'))}</system-out>`);
      out.push('    </testcase>');
    }
    out.push('  </testsuite>');
  }
  out.push('</testsuites>', '');
  return out.join('\n');
}

const mark = { passed: 'pass', failed: 'FAIL', skipped: 'skip' } as const;

/** The per-target table as plain text (console). */
export function summaryTable(report: RunReport): string {
  const targets = report.targets;
  const header = ['scenario', ...targets, 'time'];
  const rows = report.scenarios.map((s) => [
    s.scenario,
    ...targets.map((t) => {
      const r = s.results.find((x) => x.target === t);
      return r ? mark[r.status] : '-';
    }),
    `${(s.durationMs / 1000).toFixed(1)}s`,
  ]);
  const totals = [
    'passed',
    ...targets.map((t) => {
      const all = report.scenarios.map((s) => s.results.find((x) => x.target === t));
      return `${all.filter((r) => r?.status === 'passed').length}/${all.length}`;
    }),
    `${(report.durationMs / 1000).toFixed(1)}s`,
  ];
  const table = [header, ...rows, totals];
  const widths = header.map((_, c) => Math.max(...table.map((r) => (r[c] ?? '').length)));
  const fmt = (r: string[]) =>
    r
      .map((cell, c) => cell.padEnd(widths[c] ?? 0))
      .join('  ')
      .trimEnd();
  const rule = widths.map((w) => '-'.repeat(w)).join('  ');
  return [fmt(header), rule, ...rows.map(fmt), rule, fmt(totals)].join('\n');
}

export function summaryMarkdown(report: RunReport): string {
  const targets = report.targets;
  const { passed, failed } = counts(report);
  const md: string[] = ['# HIL run', ''];
  md.push(
    `${report.scenarios.length} scenarios × ${targets.length} targets (${targets.join(', ') || 'none'}) in ${(report.durationMs / 1000).toFixed(1)} s: **${passed} passed, ${failed} failed**.`,
    '',
  );
  for (const s of report.skipped) md.push(`- **${s.target}** skipped: ${s.reason}`);
  if (report.skipped.length) md.push('');
  md.push(`| scenario | ${targets.join(' | ')} | time |`, `|---|${targets.map(() => ':-:|').join('')}---:|`);
  for (const s of report.scenarios) {
    const cells = targets.map((t) => {
      const r = s.results.find((x) => x.target === t);
      const strip = report.strips[s.scenario]?.[t];
      const text = r ? (r.status === 'passed' ? '✅' : '❌') : '–';
      return strip ? `${text} [strip](${strip})` : text;
    });
    md.push(`| ${s.scenario} | ${cells.join(' | ')} | ${(s.durationMs / 1000).toFixed(1)} s |`);
  }
  const failedOnes = report.scenarios.filter((s) => s.results.some((r) => r.status === 'failed'));
  if (failedOnes.length) md.push('', '## Failures');
  for (const s of failedOnes) {
    md.push('', `### ${s.scenario}`, '', s.description, '');
    for (const r of s.results.filter((x) => x.status === 'failed')) {
      md.push(`**${r.target}**`, '', '```', r.error ?? '', '', ...trail(s, r.target), '```', '');
    }
    if (s.daemonLog)
      md.push('<details><summary>daemon log</summary>', '', '```', s.daemonLog, '```', '</details>');
  }
  md.push('');
  return md.join('\n');
}
