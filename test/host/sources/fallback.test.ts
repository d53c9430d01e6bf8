// DemoUntilData (`--fallback-demo`): the demo plays until the real source has data, then gives way to it
// once, keeping the daemon's subscribers, and never leaves a source running behind it.

import { describe, expect, it, vi } from 'vitest';
import { DemoUntilData } from '../../../host/src/sources/fallback.js';
import { FakeSource } from '../helpers/fixtures.js';

function setup(opts: { failFirstStart?: boolean } = {}) {
  const demo = new FakeSource('demo');
  demo.set({ window5hTokens: 1 });
  const real = new FakeSource();
  real.set({ window5hTokens: 2 });
  let data = false;
  let starts = 0;
  const warn = vi.fn();
  const info = vi.fn();
  const source = new DemoUntilData({
    demo,
    hasData: async () => data,
    makeReal: async () => {
      if (opts.failFirstStart && starts++ === 0) throw new Error('half-written transcript');
      return real;
    },
    checkEveryMs: 60_000,
    log: { warn, info },
  });
  return { demo, real, source, warn, info, setData: (v: boolean) => (data = v) };
}

describe('DemoUntilData', () => {
  it('serves the demo while there is no data, then the real source, and tells its subscribers', async () => {
    const { demo, real, source, info, setData } = setup();
    await source.start();
    const changed = vi.fn();
    source.subscribe(changed);
    expect(source.name).toBe('demo');
    expect((await source.snapshot(0)).window5hTokens).toBe(1);

    await source.check();
    expect(source.name).toBe('demo');
    expect(real.started).toBe(false);

    setData(true);
    await source.check();
    expect(source.name).toBe('jsonl');
    expect((await source.snapshot(0)).window5hTokens).toBe(2);
    expect(changed).toHaveBeenCalledTimes(1);
    expect(demo.stopped).toBe(true);
    expect(demo.listenerCount).toBe(0); // the demo no longer reaches the subscribers
    expect(info).toHaveBeenCalledTimes(1);

    real.set({ window5hTokens: 3 }); // the real source's changes do
    expect(changed).toHaveBeenCalledTimes(2);
    await source.check(); // switched once only
    expect(info).toHaveBeenCalledTimes(1);

    await source.stop();
    expect(real.stopped).toBe(true);
  });

  it('keeps the demo and warns when the real source fails to start, and tries again later', async () => {
    const { source, warn, setData } = setup({ failFirstStart: true });
    await source.start();
    setData(true);
    await source.check();
    expect(source.name).toBe('demo');
    expect(warn).toHaveBeenCalledWith(
      { err: 'half-written transcript' },
      'transcripts found, but the source did not start',
    );
    await source.check();
    expect(source.name).toBe('jsonl');
    await source.stop();
  });

  it('checks once however often it is asked at the same time, and stops what a late switch started', async () => {
    const { demo, real, source, setData } = setup();
    await source.start();
    setData(true);
    const checks = [source.check(), source.check(), source.check()];
    expect(checks[1]).toBe(checks[0]);
    const stopping = source.stop(); // while the switch is under way
    await Promise.all([...checks, stopping]);
    expect(!real.started || real.stopped).toBe(true); // nothing left running
    expect(demo.stopped).toBe(true);
  });
});
