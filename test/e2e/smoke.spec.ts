import { expect, test, waitForState } from './fixtures.js';

test('mock cruise: the core boots, polls through msw and shows the payload', async ({ page, gotoSim }) => {
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await gotoSim('?mock=cruise');
  const s = await waitForState(page, (x) => x.phase === 'Live' && x.accepted > 0);
  expect(s.mode).toBe('mock');
  expect(s.lastOutcome).toBe('ok');
  expect(s.activeLamps).toEqual([]);
  expect(s.model).toBe('opus-4.5');
  expect(s.stateLine).toMatch(/^GAUGE t=\d+ phase=LIVE /);
  await expect(page.locator('#mode')).toHaveText(/mock: cruise/);
  await expect(page.locator('dd[data-readout="Model"]')).toHaveText('opus-4.5');
  expect(errors).toEqual([]);
});
