import { readFileSync } from 'node:fs';
import { expect, test } from '@playwright/test';
import { sharedPath } from '../e2e/support';
import { openHarness } from './gpuPage';
import type { RegisterComparison } from './cases/registerCases';

// shaders/register_depth.wgsl vs src/gpu/reference/registerDepth.ts. The reference rounds every
// step to float32 in the shader's order, so depth (integer mm) and subject must agree exactly
// wherever both have a sample. Coverage may differ only where a footprint corner lands within
// float rounding (≈ 1e-4 px) of a colour pixel centre — GPU division and fused multiply-adds
// may round differently from Math.fround: bounded below at 1 per 2 000 covered pixels.
const COVERAGE_SLACK = 1 / 2000;

function expectMatch(r: RegisterComparison): void {
  console.log(`register-depth ${r.colorSize.join('×')}: ${JSON.stringify(r)}`);
  expect(r.depthMismatch, `depth differs at ${r.depthMismatch} pixels (max ${r.maxDepthDiff} mm)`).toBe(0);
  expect(r.subjectMismatch).toBe(0);
  expect(r.subjectWithoutDepth).toBe(0);
  expect(r.onlyGpu + r.onlyReference).toBeLessThanOrEqual(Math.ceil(r.covered * COVERAGE_SLACK));
}

/** The calibration.json attachment of the shared k4arecorder file (bytes from `{"CalibrationInformation"` to its closing brace). */
function sharedCalibrationJson(): string {
  const bytes = readFileSync(sharedPath('kinect/pyk4a_recording.mkv'));
  const start = bytes.indexOf('{"CalibrationInformation"');
  if (start < 0) throw new Error('no calibration.json in the recording');
  let depth = 0;
  for (let i = start; i < bytes.length; i++) {
    if (bytes[i] === 0x7b) depth++;
    else if (bytes[i] === 0x7d && --depth === 0) return bytes.subarray(start, i + 1).toString('utf8');
  }
  throw new Error('unterminated calibration.json');
}

test.describe('depth → colour registration pass', () => {
  test.beforeEach(async ({ page }) => openHarness(page));

  for (const seed of [1, 2, 3]) {
    test(`small calibration (64×58 → 128×72), random scene ${seed}, with subject mask`, async ({ page }) => {
      const r = await page.evaluate((s) => window.registerCases.small(s, true), seed);
      expectMatch(r);
      expect(r.covered).toBeGreaterThan(0.3 * 128 * 72);
      expect(r.subjectPixels).toBeGreaterThan(100);
      expect(r.covered - r.subjectPixels).toBeGreaterThan(100);
    });
  }

  test('small calibration without a subject mask: subject output 0', async ({ page }) => {
    const r = await page.evaluate(() => window.registerCases.small(4, false));
    expectMatch(r);
    expect(r.subjectPixels).toBe(0);
    expect(r.covered).toBeGreaterThan(0.3 * 128 * 72);
  });

  test('small metric radii: NaN rays and failed colour projections are skipped alike', async ({ page }) => {
    const full = await page.evaluate(() => window.registerCases.small(5, true));
    const r = await page.evaluate(() => window.registerCases.small(5, true, [0.75, 0.8]));
    expectMatch(r);
    expect(r.covered).toBeGreaterThan(500);
    expect(r.covered).toBeLessThan(0.9 * full.covered);
  });

  test('the shared device calibration at full size (640×576 → 1280×720)', async ({ page }) => {
    const json = sharedCalibrationJson();
    const r = await page.evaluate((j) => window.registerCases.full(j, 7), json);
    expectMatch(r);
    expect(r.covered).toBeGreaterThan(0.3 * 1280 * 720);
    expect(r.subjectPixels).toBeGreaterThan(10_000);
  });

  test('bad input: clear errors', async ({ page }) => {
    const messages = await page.evaluate(() => window.registerCases.errors());
    expect(messages[0]).toMatch(/^Error: register-depth: setCalibration must come before bind/);
    expect(messages[1]).toMatch(/^RangeError: .*depth output is r32float 100×72, expected r32float 128×72/);
    expect(messages[2]).toMatch(/^InputError: Depth frame has 10 samples, .* 64×58/);
    expect(messages[3]).toMatch(/^InputError: Subject mask has 3 samples/);
    expect(messages[4]).toMatch(/^Error: .*predates the current calibration/);
  });
});
