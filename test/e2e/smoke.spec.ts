import { expect, test, waitForState } from './fixtures.js';

test('mock cruise: the core boots, polls through msw and shows the payload', async ({ page, gotoSim }) => {
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await gotoSim('?mock=cruise');
  const s = await waitForState(page, (x) => x.phase === 'LIVE' && x.accepted > 0);
  expect(s.mode).toBe('mock');
  expect(s.lastOutcome).toBe('ok');
  expect(s.activeLamps).toEqual([]);
  expect(s.model).toBe('opus-4.5');
  expect(s.stateLine).toMatch(/^GAUGE t=\d+ phase=LIVE /);
  await expect(page.locator('#mode')).toHaveText(/mock: cruise/);
  await expect(page.locator('dd[data-readout="Model"]')).toHaveText('opus-4.5');
  expect(errors).toEqual([]);
});

test('a demo payload shows the demo banner; a real one hides it', async ({ page, gotoSim }) => {
  await gotoSim('?mock=demo');
  const s = await waitForState(page, (x) => x.source === 'demo' && x.phase === 'LIVE');
  expect(s.accepted).toBeGreaterThan(0);
  await expect(page.locator('#demo-banner')).toBeVisible();
  await expect(page.locator('#demo-banner')).toHaveText('No Claude Code data found: showing the demo.');
  await gotoSim('?mock=cruise');
  await waitForState(page, (x) => x.source === 'jsonl');
  await expect(page.locator('#demo-banner')).toBeHidden();
});

test('a playing vector advances its clock and runs its steps', async ({ page, gotoSim }) => {
  await gotoSim('?vector=scenes&speed=4');
  const later = await waitForState(page, (x) => (x.vector?.clock ?? 0) > 8000, 15_000);
  expect(later.vector?.playing).toBe(true);
  expect(later.vector?.outputs[0]).toBe('boot');
  expect(later.historySamples).toBeGreaterThan(0);
  await expect(page.locator('#mode')).toHaveText(/vector: scenes · playing ×4/);
});

test.describe('on a 2x screen', () => {
  test.use({ deviceScaleFactor: 2 });
  test('the canvas backing store follows the device pixel ratio (sharp, not upscaled)', async ({
    page,
    gotoSim,
  }) => {
    await gotoSim('?scene=cruising');
    const size = await page.evaluate(() => {
      const c = document.getElementById('screen') as HTMLCanvasElement;
      return { w: c.width, h: c.height, cssW: c.clientWidth, cssH: c.clientHeight };
    });
    // 320x240 logical, shown x2 in CSS pixels, drawn x2 again for the pixel ratio.
    expect(size).toEqual({ w: 1280, h: 960, cssW: 640, cssH: 480 });
  });
});
