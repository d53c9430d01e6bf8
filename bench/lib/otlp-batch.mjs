// A hostile-size OTLP/HTTP JSON export for the benches and the hostile tests: one
// ExportMetricsServiceRequest of claude_code.token.usage DELTA points (distinct sessions, so distinct
// series), stamped around `nowMs`, about `bytes` long. Every value is small and plausible, so the daemon
// decodes AND ingests every point: the most work a body of that size can cause.

/** Nanoseconds since the epoch as OTLP JSON spells them. */
const ns = (ms) => `${BigInt(Math.round(ms)) * 1_000_000n}`;

const TYPES = ['input', 'output', 'cacheRead', 'cacheCreation'];

/** The JSON text of one export of about `bytes` (at least one point); `seed` makes batches differ. */
export function tokenBatchJson({ bytes, nowMs, seed = 0 }) {
  const points = [];
  let size = 0;
  for (let i = 0; size < bytes; i++) {
    const p = JSON.stringify({
      attributes: [
        { key: 'session.id', value: { stringValue: `bench-${seed}-${Math.floor(i / 4)}` } },
        { key: 'type', value: { stringValue: TYPES[i % 4] } },
        { key: 'model', value: { stringValue: 'claude-opus-4-5-20251101' } },
      ],
      startTimeUnixNano: ns(nowMs - 60_000),
      timeUnixNano: ns(nowMs - (i % 1000)),
      asInt: String(1 + (i % 50)),
    });
    points.push(p);
    size += p.length + 1;
  }
  return `{"resourceMetrics":[{"resource":{"attributes":[{"key":"service.name","value":{"stringValue":"claude-code"}}]},"scopeMetrics":[{"scope":{"name":"com.anthropic.claude_code"},"metrics":[{"name":"claude_code.token.usage","sum":{"aggregationTemporality":1,"isMonotonic":true,"dataPoints":[${points.join(',')}]}}]}]}]}`;
}
