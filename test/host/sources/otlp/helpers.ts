// OTLP test helpers: the fixtures (Claude Code's documented export shapes) and the test clock.

import { readFileSync } from 'node:fs';

export const T0 = Date.parse('2026-11-22T10:00:30Z');
export const OPUS = 'claude-opus-4-5-20251101';
export const SONNET = 'claude-sonnet-4-5-20250929';

export function fixtureText(name: string): string {
  return readFileSync(new URL(`./fixtures/${name}`, import.meta.url), 'utf8');
}

export function fixture(name: string): Record<string, unknown> {
  return JSON.parse(fixtureText(name)) as Record<string, unknown>;
}

/** Nanoseconds since the epoch as OTLP JSON spells them (a decimal string). */
export function ns(iso: string): string {
  return (BigInt(Date.parse(iso)) * 1_000_000n).toString();
}

/** A one-point claude_code.token.usage request. */
export function tokenRequest(opts: {
  type?: string;
  value?: unknown;
  model?: string;
  temporality?: unknown;
  start?: string;
  time?: string;
  session?: string;
}): Record<string, unknown> {
  return {
    resourceMetrics: [
      {
        resource: { attributes: [{ key: 'service.name', value: { stringValue: 'claude-code' } }] },
        scopeMetrics: [
          {
            scope: { name: 'com.anthropic.claude_code' },
            metrics: [
              {
                name: 'claude_code.token.usage',
                sum: {
                  aggregationTemporality: opts.temporality ?? 1,
                  isMonotonic: true,
                  dataPoints: [
                    {
                      attributes: [
                        { key: 'session.id', value: { stringValue: opts.session ?? 's-1' } },
                        { key: 'type', value: { stringValue: opts.type ?? 'input' } },
                        { key: 'model', value: { stringValue: opts.model ?? OPUS } },
                      ],
                      startTimeUnixNano: ns(opts.start ?? '2026-11-22T10:00:00Z'),
                      timeUnixNano: ns(opts.time ?? '2026-11-22T10:00:10Z'),
                      asInt: opts.value ?? '100',
                    },
                  ],
                },
              },
            ],
          },
        ],
      },
    ],
  };
}

/** A one-record claude_code.api_request log request. */
export function eventRequest(
  attrs: Record<string, unknown>,
  opts: { time?: string } = {},
): Record<string, unknown> {
  return {
    resourceLogs: [
      {
        resource: { attributes: [{ key: 'service.name', value: { stringValue: 'claude-code' } }] },
        scopeLogs: [
          {
            scope: { name: 'com.anthropic.claude_code' },
            logRecords: [
              {
                timeUnixNano: ns(opts.time ?? '2026-11-22T10:00:20Z'),
                body: { stringValue: 'claude_code.api_request' },
                attributes: Object.entries(attrs).map(([key, value]) => ({
                  key,
                  value:
                    typeof value === 'number'
                      ? { intValue: value }
                      : typeof value === 'object'
                        ? value
                        : { stringValue: String(value) },
                })),
              },
            ],
          },
        ],
      },
    ],
  };
}

type Obj = Record<string, unknown>;
const at = (x: unknown, key: string | number): unknown => (x as Record<string | number, unknown>)[key];

/** The first metric of a tokenRequest(), for tests that break it on purpose. */
export function firstMetric(req: Obj): Obj {
  return at(at(at(at(at(at(req, 'resourceMetrics'), 0), 'scopeMetrics'), 0), 'metrics'), 0) as Obj;
}

/** The first data point of a tokenRequest(). */
export function firstPoint(req: Obj): Obj {
  return at(at(at(firstMetric(req), 'sum'), 'dataPoints'), 0) as Obj;
}

/** The first log record of an eventRequest(). */
export function firstRecord(req: Obj): Obj {
  return at(at(at(at(at(at(req, 'resourceLogs'), 0), 'scopeLogs'), 0), 'logRecords'), 0) as Obj;
}
