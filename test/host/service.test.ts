import { afterEach, describe, expect, it, vi } from 'vitest';
import type { UsagePayload } from '../../contract/usage.js';
import { COALESCE_MS, UsageService } from '../../host/src/service.js';
import type { SourceSnapshot } from '../../host/src/sources/source.js';
import { FakeSource, validatePayload } from './helpers/fixtures.js';

const settings = { redline: 1000, ceiling: 10_000, warnFraction: 0.8, stallMinutes: 5 };
const services: UsageService[] = [];
afterEach(async () => {
  vi.useRealTimers();
  for (const s of services.splice(0)) await s.stop();
});

function make(source: FakeSource, deadlineMs = 800, tickMs = 1000) {
  const s = new UsageService({ source, settings, clock: () => 1_700_000_000_000, deadlineMs, tickMs });
  services.push(s);
  return s;
}

describe('usage service', () => {
  it('serves the last good values as stale within the deadline when the source hangs, and keeps answering', async () => {
    const source = new FakeSource();
    const service = make(source); // the real 800 ms deadline
    await service.start();
    const good = await service.payload();
    expect(good.stale).toBe(false);
    expect(good.rate_1m).toBe(1000);

    source.mode = 'hang';
    const first = await service.payload();
    expect(first.stale).toBe(true);
    expect(first.rate_1m).toBe(1000);
    expect(validatePayload(first)).toBe(true);
    // A second request while the hung refresh is still out does not start another one.
    const callsBefore = source.calls;
    const second = await service.payload();
    expect(second.stale).toBe(true);
    expect(source.calls).toBe(callsBefore);
  });

  it('falls back to stale values when the source rejects, and recovers', async () => {
    const source = new FakeSource();
    const service = make(source, 50);
    await service.start();
    await service.payload();
    source.mode = 'reject';
    source.snap = { ...source.snap, rate1m: 99_999 };
    const stale = await service.payload();
    expect(stale).toMatchObject({ stale: true, rate_1m: 1000 });
    expect(service.consecutiveFailures).toBe(1);
    source.mode = 'ok';
    const fresh = await service.payload();
    expect(fresh).toMatchObject({ stale: false, rate_1m: 99_999 });
    expect(service.consecutiveFailures).toBe(0);
  });

  it('serves schema defaults marked stale when the source never answered at all', async () => {
    const source = new FakeSource();
    source.mode = 'hang';
    const service = make(source, 20);
    await service.start();
    const p = await service.payload();
    expect(p).toMatchObject({
      stale: true,
      rate_1m: 0,
      window_5h_tokens: 0,
      last_model: '',
      source: 'jsonl',
    });
    expect(validatePayload(p)).toBe(true);
  });

  it('tells listeners about content changes only, and unsubscribes from the source on stop', async () => {
    const source = new FakeSource();
    const service = make(source, 800, 10);
    await service.start();
    const seen: UsagePayload[] = [];
    const next = () =>
      new Promise<UsagePayload>((resolve) => {
        const off = service.onChange((p) => {
          seen.push(p);
          off();
          resolve(p);
        });
      });
    const first = next();
    source.set({ rate1m: 2000 });
    expect((await first).rate_1m).toBe(2000);
    // The same content again produces nothing; a real change does.
    const second = next();
    source.set({ rate1m: 2000 });
    source.set({ rate1m: 3000 });
    expect((await second).rate_1m).toBe(3000);
    expect(seen.map((p) => p.rate_1m)).toEqual([2000, 3000]);
    expect(source.listenerCount).toBe(1);
    await service.stop();
    expect(source.listenerCount).toBe(0);
    expect(source.stopped).toBe(true);
  });
});

describe('usage service change events', () => {
  it('sends a change at once, and folds further changes within the window into one event at its end', async () => {
    vi.useFakeTimers();
    const source = new FakeSource();
    const service = make(source, 800, 3_600_000); // no tick inside this test
    await service.start();
    const seen: number[] = [];
    service.onChange((p) => seen.push(p.rate_1m));
    source.set({ rate1m: 2000 });
    await vi.advanceTimersByTimeAsync(0); // no time passes: only what is already due runs
    expect(seen).toEqual([2000]);
    source.set({ rate1m: 3000 });
    source.set({ rate1m: 4000 });
    await vi.advanceTimersByTimeAsync(COALESCE_MS - 1);
    expect(seen).toEqual([2000]);
    await vi.advanceTimersByTimeAsync(1);
    expect(seen).toEqual([2000, 4000]); // one evaluation for the burst, with its last state
    // That evaluation opened a window of its own; once it closes quietly, the next change is immediate.
    await vi.advanceTimersByTimeAsync(COALESCE_MS);
    source.set({ rate1m: 5000 });
    await vi.advanceTimersByTimeAsync(0);
    expect(seen).toEqual([2000, 4000, 5000]);
  });

  it('looks again when the answer came from a refresh that started before the change', async () => {
    // A slow source (one refresh shared by all callers) that answers with what it saw when asked.
    class GatedSource extends FakeSource {
      gated = true;
      readonly gates: Array<() => void> = [];
      override snapshot(nowMs: number): Promise<SourceSnapshot> {
        if (!this.gated) return super.snapshot(nowMs);
        this.calls++;
        const seenNow = { ...this.snap };
        return new Promise((resolve) => this.gates.push(() => resolve(seenNow)));
      }
    }
    const source = new GatedSource();
    const service = make(source, 5000, 3_600_000); // no tick: only the re-check can deliver the change
    source.gated = false;
    await service.start();
    const events: number[] = [];
    let wake = () => {};
    service.onChange((p) => {
      events.push(p.rate_1m);
      wake();
    });
    source.gated = true;
    const request = service.payload(); // a GET whose refresh is still out when the change comes
    source.set({ rate1m: 5000 });
    source.gated = false;
    for (const open of source.gates.splice(0)) open();
    expect((await request).rate_1m).toBe(1000);
    while (!events.includes(5000)) await new Promise<void>((r) => (wake = r));
    expect(events).toEqual([1000, 5000]);
  });
});

describe('usage service start', () => {
  it('answers (stale) when the source hangs in start(), and uses it once it is up', async () => {
    const source = new FakeSource();
    let release: () => void = () => {};
    source.start = () =>
      new Promise<void>((resolve) => {
        release = resolve;
      });
    source.mode = 'hang';
    const service = new UsageService({ source, settings, deadlineMs: 20, startWaitMs: 20 });
    services.push(service);
    await service.start();
    expect(service.sourceReady).toBe(false);
    expect((await service.payload()).stale).toBe(true);
    release();
    await new Promise((r) => setImmediate(r));
    expect(service.sourceReady).toBe(true);
    source.mode = 'ok';
    // The hung refresh is abandoned after 10 deadlines; keep asking until a fresh answer arrives.
    let p = await service.payload();
    while (p.stale) p = await service.payload();
    expect(p.rate_1m).toBe(1000);
  });

  it('keeps serving when the source fails to start, and says why', async () => {
    const source = new FakeSource();
    source.start = () => Promise.reject(new Error('cannot read history'));
    source.mode = 'reject';
    const service = new UsageService({ source, settings, deadlineMs: 20 });
    services.push(service);
    await service.start();
    expect(service.sourceStartError).toBe('cannot read history');
    const p = await service.payload();
    expect(p.stale).toBe(true);
    expect(validatePayload(p)).toBe(true);
  });
});
