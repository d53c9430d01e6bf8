// The quota fields are optional: a payload carrying them must decode on the gauge (the same core, compiled
// to wasm, that the ESP32 runs) to the same dials as one without them, and the dash shows them on top: the
// fuel's basis and the weekly readout.

import { beforeAll, describe, expect, it } from 'vitest';
import { GaugeCore } from '../../../firmware/platform/wasm/gaugeCore.js';
import { buildPayload, NO_SESSIONS } from '../../../host/src/payload.js';
import { wasmBytes } from '../../firmware/builds.js';
import { SNAP } from '../helpers/fixtures.js';

const NOW = Date.parse('2026-11-22T12:00:00Z');
let module: WebAssembly.Module;
beforeAll(async () => {
  module = await GaugeCore.compile(wasmBytes());
});

function payloads() {
  const base = {
    snapshot: SNAP,
    sessions: NO_SESSIONS,
    settings: { redline: 1_000_000, ceiling: 100_000, warnFraction: 0.8, stallMinutes: 5 },
    nowMs: NOW,
    stale: false,
    source: 'jsonl',
  };
  const withQuota = buildPayload({
    ...base,
    quota: {
      reading: {
        atMs: NOW,
        fiveHour: { usedFraction: 0.05, resetsAtMs: NOW + 3_600_000 },
        sevenDay: { usedFraction: 0.4, resetsAtMs: null },
      },
      ratePerMin: 0.001,
    },
  });
  return { plain: buildPayload(base), withQuota };
}

describe('firmware decoder and the optional quota fields', () => {
  it('shows the same dials with them as without, plus the basis and the weekly figure', async () => {
    const { plain, withQuota } = payloads();
    // Same official fuel and reset as the estimate, so the dials must match exactly.
    expect(withQuota.fuel_basis).toBe('official');
    expect(withQuota.window_5h_pct).toBe(plain.window_5h_pct);
    expect(withQuota.quota_7d_resets_at).toBeNull();
    const a = await GaugeCore.load(module);
    const b = await GaugeCore.load(module);
    a.boot(0);
    b.boot(0);
    const ra = a.applyPayloadJson(1000, JSON.stringify(plain));
    const rb = b.applyPayloadJson(1000, JSON.stringify(withQuota));
    expect(ra.outcome).toBe('ok');
    expect(rb.outcome).toBe('ok');
    // Every quota field the daemon sent is accepted (none judged stale or implausible by the device).
    expect(rb.report?.defaulted).toBe(0);
    for (let t = 1050; t <= 3000; t += 50) {
      a.update(t);
      b.update(t);
    }
    expect(a.stateLine()).toMatch(/ basis=estimate week=-- eta=--$/);
    expect(b.stateLine()).toMatch(/ basis=official week=40% eta=/);
    const dials = (line: string) => line.replace(/ basis=.*$/, '');
    expect(dials(b.stateLine())).toBe(dials(a.stateLine()));
    // The dials' content (their seq counters differ: the quota readouts took sequence numbers too).
    const content = (f: ReturnType<GaugeCore['frame']>) =>
      f.dials.map((d) => [d.needle_deg, d.value.text, d.label.text, d.zones, d.ticks]);
    expect(content(b.frame())).toEqual(content(a.frame()));
    expect(b.frame().week.text).toBe('WEEK 40%');
  });
});
