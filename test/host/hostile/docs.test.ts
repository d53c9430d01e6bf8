// docs/daemon.md's Limits and Faults sections against the code: every bound on hostile input, with the
// number the code uses (each constant lives once, beside what it bounds), and every fault id.

import { readFileSync } from 'node:fs';
import { maxHeaderSize } from 'node:http';
import { describe, expect, it } from 'vitest';
import { DEFAULTS, MAX_CONFIG_BYTES } from '../../../host/src/config.js';
import { SHUTDOWN_MS } from '../../../host/src/daemon.js';
import { FAULTS, LOG_EVERY_MS } from '../../../host/src/faults.js';
import { MAX_ATTENTION_SESSIONS } from '../../../host/src/hooks/attention.js';
import {
  BACKOFF_MAX_MS,
  BACKOFF_MIN_MS,
  MAX_BATCH_RECORDS,
  MAX_MEMORY_RECORDS,
  REQUEST_TIMEOUT_MS,
} from '../../../host/src/hub/forwarder.js';
import { MAX_MACHINES } from '../../../host/src/hub/machines.js';
import { HUB_HISTORY_MS } from '../../../host/src/hub/record.js';
import { MAX_CLOCK_AHEAD_MS } from '../../../host/src/hub/source.js';
import { SPOOL_MAX_BYTES } from '../../../host/src/hub/spool.js';
import { MAX_UNION_RECORDS } from '../../../host/src/hub/union.js';
import {
  MAX_QUOTA_PERCENT,
  MAX_TOKENS_PER_MINUTE,
  MAX_TOKENS_PER_RESPONSE,
  MAX_WINDOW_TOKENS,
  QUOTA_RESET_SLACK_MS,
} from '../../../host/src/plausible.js';
import { DEFAULT_OTLP_BODY_LIMIT, DEFAULT_OTLP_INFLATED_LIMIT } from '../../../host/src/routes/otlp.js';
import { MAX_BUFFERED } from '../../../host/src/routes/stream.js';
import { API_BODY_LIMIT } from '../../../host/src/server.js';
import {
  MAX_MANIFEST_BYTES,
  MAX_MANIFEST_NAMES,
  MAX_MANIFEST_SCAN_BYTES,
  MAX_MANIFEST_SCAN_MS,
  MAX_MANIFESTS,
} from '../../../host/src/sessions.js';
import { CCUSAGE_MAX_OUTPUT_BYTES, CCUSAGE_TIMEOUT_MS } from '../../../host/src/sources/ccusage/source.js';
import {
  DEFAULT_MAX_LINE_BYTES,
  DEFAULT_MAX_PARSED_LINE_BYTES,
  DEFAULT_RETAIN_MS,
  TRANSCRIPT_DIR_DEPTH,
} from '../../../host/src/sources/jsonl/reader.js';
import { MODEL_TAIL_BYTES } from '../../../host/src/sources/jsonl/session-models.js';
import { DECODE_TIMEOUT_MS, MAX_DECODE_QUEUE } from '../../../host/src/sources/otlp/decode-pool.js';
import { DEDUPE_ENTRY_BYTES } from '../../../host/src/sources/otlp/dedupe.js';
import {
  DEDUPE_MAX_BYTES,
  DEDUPE_MS,
  MAX_MODELS,
  MAX_RECORDS,
  MAX_SERIES,
  RETAIN_MS,
} from '../../../host/src/sources/otlp/source.js';
import { DEFAULT_MAX_BODY_BYTES } from '../../../host/src/sources/prometheus/client.js';
import {
  PROMETHEUS_QUERY_TIMEOUT_MS,
  PROMETHEUS_REFRESH_DEADLINE_MS,
} from '../../../host/src/sources/prometheus/source.js';

const doc = readFileSync(new URL('../../../docs/daemon.md', import.meta.url), 'utf8');
const section = (title: string) => {
  const start = doc.indexOf(`\n${title}\n`);
  expect(start, title).toBeGreaterThan(0);
  const next = doc.slice(start + title.length + 2).search(/\n#{1,3} /);
  return doc.slice(start, next < 0 ? undefined : start + title.length + 2 + next);
};

const count = (n: number) => String(n).replace(/\B(?=(\d{3})+(?!\d))/g, ',');
const bytes = (n: number) =>
  n % (1024 * 1024) === 0
    ? `${n / (1024 * 1024)} MiB`
    : n % 1024 === 0
      ? `${n / 1024} KiB`
      : `${count(n)} bytes`;
const ms = (n: number) =>
  n % 3_600_000 === 0
    ? `${n / 3_600_000} h`
    : n % 60_000 === 0
      ? `${n / 60_000} min`
      : n % 1000 === 0
        ? `${n / 1000} s`
        : `${n} ms`;

/** [the row's first cell, a text its number cell must contain]. */
const LIMITS: Array<[string, string]> = [
  ['manifest size', bytes(MAX_MANIFEST_BYTES)],
  ['manifest names listed per sessions dir and scan', count(MAX_MANIFEST_NAMES)],
  ['manifests read per scan', count(MAX_MANIFESTS)],
  ['manifest bytes read per scan', bytes(MAX_MANIFEST_SCAN_BYTES)],
  ['manifest scan work per scan', ms(MAX_MANIFEST_SCAN_MS)],
  ["transcript tail read for a session's model", bytes(MODEL_TAIL_BYTES)],
  ['transcript line held while it streams', bytes(DEFAULT_MAX_LINE_BYTES)],
  ['transcript line parsed', bytes(DEFAULT_MAX_PARSED_LINE_BYTES)],
  ['transcript directory depth under `projects/`', String(TRANSCRIPT_DIR_DEPTH)],
  ['transcript history kept in memory', ms(DEFAULT_RETAIN_MS)],
  ['config file size', bytes(MAX_CONFIG_BYTES)],
  ['tokens of one kind in one response', count(MAX_TOKENS_PER_RESPONSE)],
  [
    'tokens per minute (all kinds; of a source, or of one OTLP series over its interval, a minute at least)',
    count(MAX_TOKENS_PER_MINUTE),
  ],
  ['tokens in the 5 h window', count(MAX_WINDOW_TOKENS)],
  ['statusline percentage', String(MAX_QUOTA_PERCENT)],
  ["statusline reset ahead of the daemon's clock", `+ ${ms(QUOTA_RESET_SLACK_MS)}`],
  ['request headers', bytes(maxHeaderSize)],
  ['request body (all routes but OTLP)', bytes(API_BODY_LIMIT)],
  ['`/usage/stream` clients', String(DEFAULTS.maxStreamClients)],
  ['unsent bytes per stream client', bytes(MAX_BUFFERED)],
  ['wait for the source', ms(DEFAULTS.deadlineMs)],
  ['shutdown after SIGINT/SIGTERM', ms(SHUTDOWN_MS)],
  ['sessions remembered from `claude-gauge hook`', String(MAX_ATTENTION_SESSIONS)],
  ['Prometheus answer', bytes(DEFAULT_MAX_BODY_BYTES)],
  ['Prometheus query', ms(PROMETHEUS_QUERY_TIMEOUT_MS)],
  ['Prometheus refresh (five queries)', ms(PROMETHEUS_REFRESH_DEADLINE_MS)],
  ['ccusage output', bytes(CCUSAGE_MAX_OUTPUT_BYTES)],
  ['ccusage run', ms(CCUSAGE_TIMEOUT_MS)],
  ['OTLP body on the wire', bytes(DEFAULT_OTLP_BODY_LIMIT)],
  ['OTLP body decompressed', bytes(DEFAULT_OTLP_INFLATED_LIMIT)],
  ['OTLP requests waiting or being decoded', String(MAX_DECODE_QUEUE)],
  ['OTLP decode of one request', ms(DECODE_TIMEOUT_MS)],
  [
    'OTLP retry memory',
    `${bytes(DEDUPE_MAX_BYTES)} (${DEDUPE_ENTRY_BYTES} bytes a key: ${count(Math.floor(DEDUPE_MAX_BYTES / DEDUPE_ENTRY_BYTES))} keys)`,
  ],
  ['OTLP retry window', ms(DEDUPE_MS)],
  ['OTLP records kept per feed', count(MAX_RECORDS)],
  ['OTLP record age', ms(RETAIN_MS)],
  ['OTLP cumulative series', count(MAX_SERIES)],
  ['OTLP model names', String(MAX_MODELS)],
  ['history a hub counts with (and a satellite reads back and sends again)', ms(HUB_HISTORY_MS)],
  ['responses a hub keeps', count(MAX_UNION_RECORDS)],
  ['machines a hub remembers', String(MAX_MACHINES)],
  ["a forwarded response stamped ahead of the hub's clock", ms(MAX_CLOCK_AHEAD_MS)],
  ['forwarded records a satellite holds in memory', count(MAX_MEMORY_RECORDS)],
  ["a satellite's spool on disk", bytes(SPOOL_MAX_BYTES)],
  ['records per forwarded delivery', count(MAX_BATCH_RECORDS)],
  ['forwarded delivery', ms(REQUEST_TIMEOUT_MS)],
  ['wait before a failed delivery is sent again', `${ms(BACKOFF_MIN_MS)} doubling to ${ms(BACKOFF_MAX_MS)}`],
  ['fault log', `every ${ms(LOG_EVERY_MS)}`],
];

describe('docs/daemon.md: Security and Limits list every limit with its number', () => {
  const limits = section('## Limits');
  it.each(LIMITS)('%s: %s', (name, number) => {
    const row = limits.split('\n').find((l) => l.startsWith(`| ${name} |`));
    expect(row, `no row "| ${name} |" in ## Limits`).toBeDefined();
    expect(row?.split('|')[2], name).toContain(number);
  });

  it('has no row the code does not know of', () => {
    const rows = limits.split('\n').filter((l) => /^\| [^-]/.test(l) && !l.startsWith('| limit |'));
    expect(rows.map((l) => l.split('|')[1]?.trim()).sort()).toEqual(LIMITS.map(([n]) => n).sort());
  });

  it('names every fault id with its kind', () => {
    const faults = section('### Faults');
    for (const [id, spec] of Object.entries(FAULTS))
      expect(faults, id).toContain(`| \`${id}\` | ${spec.kind} |`);
  });

  it('the Security section covers the allow-list, user files, dotfiles and the bounds', () => {
    const security = section('## Security');
    for (const text of [
      '421',
      '403',
      '--allowed-hosts',
      'O_NONBLOCK',
      'dot',
      'plausibility',
      '[Limits](#limits)',
    ])
      expect(security, text).toContain(text);
  });
});
