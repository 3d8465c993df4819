// The pipeline's resources under concurrent control calls: the engine worker serves
// setBackground / setPlate between a frame's awaits, so a texture a frame is using may be
// replaced mid-frame (found by `npm run soak`: "Destroyed texture used in a submit").
import { expect, test } from '@playwright/test';
import { openHarness } from './gpuPage';

test('background and plate replaced while a frame is in flight: no destroyed texture is used', async ({ page }) => {
  await openHarness(page);
  const r = await page.evaluate(() => window.segmentCases.backgroundRace(6));
  console.log(JSON.stringify(r));
  expect(r.processed).toBe(6);
  expect(r.errors).toEqual([]);
});
