// Visual: the cluster in each key state, from the showcase scenario (simulator/scenarios/states.jsonc)
// frozen at an exact time, compared with the committed baselines in __screenshots__/ (tolerance and how to
// update them: playwright.config.ts). The frozen (?t=) mode runs the core with the vector runner's exact
// calls, so each picture is the same on every run; the hook confirms what the picture should show.
import { expect, gaugeState, test } from './fixtures.js';

const shots: { name: string; t: number; phase: string; lamps: string; over?: boolean }[] = [
  { name: 'selftest-full-scale', t: 750, phase: 'SELFTEST', lamps: 'NOSIG,HOT,WARN,STALL,IDLE' },
  { name: 'idle', t: 5900, phase: 'LIVE', lamps: 'IDLE' },
  { name: 'cruising', t: 11900, phase: 'LIVE', lamps: '-' },
  { name: 'redline-hot', t: 15900, phase: 'LIVE', lamps: 'HOT' },
  { name: 'fuel-warn', t: 19900, phase: 'LIVE', lamps: 'WARN' },
  { name: 'stall', t: 23900, phase: 'LIVE', lamps: 'STALL' },
  { name: 'fuel-over-100', t: 27900, phase: 'LIVE', lamps: 'WARN', over: true },
  { name: 'no-signal', t: 36000, phase: 'NOSIGNAL', lamps: 'NOSIG' },
];

const token = (line: string, key: string) => new RegExp(`(?:^| )${key}=(\\S+)`).exec(line)?.[1];

for (const shot of shots) {
  test(`visual: ${shot.name}`, async ({ page, gotoSim }) => {
    await gotoSim(`?scenario=states&t=${shot.t}`);
    const s = await gaugeState(page);
    expect(s.error).toBeNull();
    expect(s.t).toBe(shot.t);
    expect(token(s.stateLine, 'phase')).toBe(shot.phase);
    expect(token(s.stateLine, 'lamps')).toBe(shot.lamps);
    if (shot.over !== undefined) expect(s.fuelOver).toBe(shot.over);
    // The readouts are rewritten at once in the frozen mode; they and the lamps are part of the shot.
    await expect(page.locator('#mode')).toHaveText(/scenario: states · paused/);
    await expect(page.locator('.device')).toHaveScreenshot(`${shot.name}.png`);
  });
}
