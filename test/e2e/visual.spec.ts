// Visual: the cluster in each key state (test/lib/visualScenes.ts), from the showcase scenario
// (simulator/scenarios/states.jsonc) frozen at an exact time, compared with the committed baselines in
// __screenshots__/ (tolerance and how to update them: playwright.config.ts). The frozen (?t=) mode runs the
// core with the vector runner's exact calls, so each picture is the same on every run; the hook confirms what
// the picture should show.
import { sceneScenario, visualScenes } from '../lib/visualScenes.js';
import { expect, gaugeState, test } from './fixtures.js';

const token = (line: string, key: string) => new RegExp(`(?:^| )${key}=(\\S+)`).exec(line)?.[1];

for (const shot of visualScenes) {
  test(`visual: ${shot.name}`, async ({ page, gotoSim }) => {
    await gotoSim(`?scenario=${sceneScenario}&t=${shot.t}`);
    const s = await gaugeState(page);
    expect(s.error).toBeNull();
    expect(s.t).toBe(shot.t);
    expect(token(s.stateLine, 'phase')).toBe(shot.phase);
    expect(token(s.stateLine, 'lamps')).toBe(shot.lamps);
    if (shot.over !== undefined) expect(s.fuelOver).toBe(shot.over);
    // The readouts are rewritten at once in the frozen mode; they and the lamps are part of the shot.
    await expect(page.locator('#mode')).toHaveText(new RegExp(`scenario: ${sceneScenario} · paused`));
    await expect(page.locator('.device')).toHaveScreenshot(`${shot.name}.png`);
  });
}
