// Adaptive quality in the engine (src/worker/adaptive.ts): on SwiftShader no frame fits a
// 120 fps budget, so the engine must step down the whole ladder, doing less work at each
// level; with targetFps 0 it stays at full quality.
import { readFileSync } from 'node:fs';
import { expect, test } from '@playwright/test';
import { sharedPath } from '../e2e/support';
import { openHarness } from './gpuPage';

test.describe('adaptive quality', () => {
  test('late frames step the level down to the last one: fewer network runs, no refined tiles, the same person', async ({ page }) => {
    test.setTimeout(300_000);
    const still = sharedPath('eval/dev/stills/dev_00_0/image.png');
    await openHarness(page);
    await page.route('**/__adaptive-still.png', (route) => route.fulfill({ body: readFileSync(still), contentType: 'image/png' }));
    const adaptive = await page.evaluate(() => window.segmentCases.engineAdaptive(120, 30, '/__adaptive-still.png'));
    const fixed = await page.evaluate(() => window.segmentCases.engineAdaptive(0, 8, '/__adaptive-still.png'));
    console.log(`adaptive (120 fps): ${adaptive.map((f) => `${f.level}:${f.calls}:${f.tiles}`).join(' ')}`);
    console.log(`fixed: ${fixed.map((f) => `${f.level}:${f.calls}:${f.tiles}`).join(' ')}`);

    const last = adaptive.at(-1)!;
    expect(adaptive[0]!.level).toBe(0);
    expect(last.level).toBe(last.levels - 1);
    // Levels only go down here (every frame is late), one step at a time.
    for (let i = 1; i < adaptive.length; i++) expect(adaptive[i]!.level - adaptive[i - 1]!.level).toBeGreaterThanOrEqual(0);
    for (let i = 1; i < adaptive.length; i++) expect(adaptive[i]!.level - adaptive[i - 1]!.level).toBeLessThanOrEqual(1);
    // Full quality: the whole frame and the person's region (2 ROI passes) and refined tiles.
    expect(adaptive[0]!.calls).toBeGreaterThanOrEqual(2);
    expect(adaptive[0]!.tiles).toBeGreaterThan(0);
    // The last level: one network run on the whole frame, nothing refined.
    expect(last.calls).toBe(1);
    expect(last.tiles).toBe(0);
    // Still the same person, coarser.
    expect(Math.abs(last.alphaMean - adaptive[0]!.alphaMean)).toBeLessThan(0.02);

    expect(new Set(fixed.map((f) => f.level))).toEqual(new Set([0]));
    expect(fixed.every((f) => f.tiles > 0 && f.calls >= 2)).toBe(true);
  });

  test('stage timings: GPU time per stage from timestamp queries, within the frame\'s GPU time; none when off', async ({ page }) => {
    const still = sharedPath('eval/dev/stills/dev_00_0/image.png');
    await openHarness(page);
    await page.route('**/__stages-still.png', (route) => route.fulfill({ body: readFileSync(still), contentType: 'image/png' }));
    const blur = await page.evaluate(() => window.segmentCases.engineStages({ mode: 'blur', stageTimings: true }, 3, '/__stages-still.png'));
    const color = await page.evaluate(() => window.segmentCases.engineStages({ mode: 'color', stageTimings: true }, 2, '/__stages-still.png'));
    const off = await page.evaluate(() => window.segmentCases.engineStages({ mode: 'blur' }, 2, '/__stages-still.png'));
    console.log(`stages (blur): ${JSON.stringify(blur.stats.at(-1))}`);
    expect(off.stats.every((s) => s.stages === undefined)).toBe(true);
    test.skip(!blur.timestamps, 'the adapter has no timestamp-query');
    const last = blur.stats.at(-1)!;
    expect(Object.keys(last.stages!)).toEqual(['import', 'segment', 'roi', 'upsample', 'plate', 'coarse', 'refine', 'temporal', 'memory', 'blur', 'composite']);
    for (const ms of Object.values(last.stages!)) expect(ms).toBeGreaterThanOrEqual(0);
    // The frame encoder's stages (after the last awaited one, the region-of-interest network runs)
    // run within the GPU wall time of the frame (submit → done), allowing for timestamp
    // quantisation (100 µs per mark).
    const { import: _i, segment: _s, roi: _r, ...frameStages } = last.stages!;
    const sum = Object.values(frameStages).reduce((a, b) => a + b, 0);
    expect(sum).toBeLessThanOrEqual(last.gpu + 1);
    expect(sum).toBeGreaterThan(0.25 * last.gpu);
    expect(Object.keys(color.stats.at(-1)!.stages!)).not.toContain('blur');
  });
});
