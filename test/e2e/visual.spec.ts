// Visual: the cluster in each scene (simulator/src/scenes.ts: a moment of the showcase vector
// simulator/vectors/scenes.jsonc, frozen at an exact time), compared with the committed baselines in
// __screenshots__/ (tolerance and how to update them: playwright.config.ts). The frozen mode runs the core with
// the vector runner's exact calls, so each picture is the same on every run; the hook confirms what the
// picture should show.
import { scenes, sceneVector } from '../../simulator/src/scenes.js';
import { expect, gaugeState, test } from './fixtures.js';

const token = (line: string, key: string) => new RegExp(`(?:^| )${key}=(\\S+)`).exec(line)?.[1];

for (const scene of scenes) {
  test(`visual: ${scene.name}`, async ({ page, gotoSim }) => {
    await gotoSim(`?scene=${scene.name}`);
    const s = await gaugeState(page);
    expect(s.error).toBeNull();
    expect(s.t).toBe(scene.t);
    expect(token(s.stateLine, 'phase')).toBe(scene.phase);
    expect(token(s.stateLine, 'lamps')).toBe(scene.lamps);
    if (scene.over !== undefined) expect(s.fuelOver).toBe(scene.over);
    // The readouts are rewritten at once in the frozen mode; they and the lamps are part of the shot.
    await expect(page.locator('#mode')).toHaveText(new RegExp(`vector: ${sceneVector} · paused`));
    await expect(page.locator('.device')).toHaveScreenshot(`${scene.name}.png`);
  });
}
