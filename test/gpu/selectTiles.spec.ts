import { expect, test, type Page } from '@playwright/test';
import { createImage, type FloatImage } from '../../src/gpu/reference/image';
import { checkSelection, selectTilesReference, TILE_MIN_ERR, type TileSelectionParams } from '../../src/gpu/reference/selectTiles';
import { openHarness } from './gpuPage';
import { rng } from './cases/rng';

// shaders/select_tiles.wgsl through createSelectTilesPass + createTileBuffers vs
// src/gpu/reference/selectTiles.ts. The list is compared as a set (the atomic append orders it
// arbitrarily); in `sampling`, which tiles of the cut bin get the remaining budget depends on
// the order threads arrive, so any choice from the cut bin is accepted: every tile of a higher
// bin, exactly the budget (or every tile with an error when fewer), the rest from the cut bin.


/**
 * An error map drawn from a few repeated values (ties in value and in histogram bin), with
 * values at and around the 1/255 floor and above 1.
 */
function errorMap(seed: number, w: number, h: number, sparse = 0.5): FloatImage {
  const rand = rng(seed);
  const levels = [0.5 / 255, 1 / 255, 2 / 255, 0.1, 0.1015, 0.3, 0.3, 0.5, 0.5, 0.9, 1, 1.5];
  const err = createImage(w, h, 1);
  for (let i = 0; i < err.data.length; i++) err.data[i] = rand() < sparse ? 0 : levels[Math.floor(rand() * levels.length)]!;
  return err;
}

interface Layout {
  frameWidth: number;
  frameHeight: number;
  err: FloatImage;
}

async function run(page: Page, layout: Layout, runs: TileSelectionParams[]) {
  const arg = { errWidth: layout.err.width, errHeight: layout.err.height, err: [...layout.err.data], frameWidth: layout.frameWidth, frameHeight: layout.frameHeight, runs };
  return page.evaluate((a) => window.refineCases.selectTiles(a), arg);
}

/** Checks each GPU run against the reference; returns the reference selections. */
async function expectValid(page: Page, layout: Layout, runs: TileSelectionParams[]) {
  const results = await run(page, layout, runs);
  const tilesX = Math.ceil(layout.frameWidth / 8);
  const tilesY = Math.ceil(layout.frameHeight / 8);
  return results.map((r, k) => {
    const params = runs[k]!;
    const what = `${params.mode} budget ${params.budget} threshold ${params.threshold}`;
    const ref = selectTilesReference(layout.err, tilesX, tilesY, params);
    expect([r.tilesX, r.tilesY], what).toEqual([tilesX, tilesY]);
    expect(r.dispatch[1], `${what}: dispatch y`).toBe(1);
    expect(r.dispatch[2], `${what}: dispatch z`).toBe(1);
    expect(r.dispatch[0], `${what}: dispatch count`).toBe(ref.count);
    expect(r.tiles.length, `${what}: list length`).toBe(r.dispatch[0]);
    for (const p of r.packed) {
      expect(p & 0xffff, `${what}: packed x`).toBeLessThan(tilesX);
      expect(p >>> 16, `${what}: packed y`).toBeLessThan(tilesY);
    }
    expect(checkSelection(r.tiles, ref), what).toBeNull();
    // The exact set, ties in the cut bin included: they are taken in row-major order, as the
    // reference takes them, whatever order the GPU's threads run in.
    expect([...r.tiles].sort((a, b) => a - b), `${what}: tile set`).toEqual(ref.selected);
    if (params.mode === 'sampling') {
      for (const t of r.tiles) expect(ref.errors[t], `${what}: tile ${t} at or below 1/255`).toBeGreaterThan(TILE_MIN_ERR);
    }
    return { gpu: r, ref };
  });
}

test.describe('tile selection pass', () => {
  test.beforeEach(async ({ page }) => openHarness(page));

  const layouts: [string, () => Layout][] = [
    ['24×16 texels, 12×8 tiles', () => ({ frameWidth: 96, frameHeight: 64, err: errorMap(1, 24, 16) })],
    ['23×15 texels, 12×8 tiles (partial edge tiles)', () => ({ frameWidth: 92, frameHeight: 60, err: errorMap(2, 23, 15) })],
  ];

  for (const [name, make] of layouts) {
    test(`full and thresholding give the reference's set: ${name}`, async ({ page }) => {
      const layout = make();
      const out = await expectValid(page, layout, [
        { mode: 'full', budget: 0, threshold: 0 },
        { mode: 'thresholding', budget: 0, threshold: 0.3 }, // err == 0.3 is not selected (strict >)
        { mode: 'thresholding', budget: 0, threshold: 0.1 },
        { mode: 'thresholding', budget: 0, threshold: 0 }, // every tile with an error, however small
        { mode: 'thresholding', budget: 0, threshold: 1 }, // only the values above 1
      ]);
      expect(out[0]!.ref.count).toBe(96);
      expect(out[4]!.ref.count).toBeGreaterThan(0);
    });

    test(`sampling keeps the top tiles within the budget, ties in row-major order: ${name}`, async ({ page }) => {
      const layout = make();
      const nonzero = selectTilesReference(layout.err, 12, 8, { mode: 'sampling', budget: 1e6, threshold: 0 }).count;
      expect(nonzero).toBeGreaterThan(20);
      const budgets = [0, 1, 5, 10, 17, nonzero - 1, nonzero, nonzero + 1, 1000];
      const out = await expectValid(
        page,
        layout,
        budgets.map((budget) => ({ mode: 'sampling' as const, budget, threshold: 0 })),
      );
      out.forEach(({ ref }, k) => expect(ref.count).toBe(Math.min(budgets[k]!, nonzero)));
      // The cut falls inside a bin of several tiles for some budgets: ties really were exercised.
      expect(out.some(({ ref }) => ref.tieBudget > 0 && ref.tieBudget < ref.ties.length)).toBe(true);
    });
  }

  test('sampling with every tile tied takes exactly the budget from them', async ({ page }) => {
    const err = createImage(24, 16, 1);
    err.data.fill(0.5);
    const out = await expectValid(page, { frameWidth: 96, frameHeight: 64, err }, [
      { mode: 'sampling', budget: 5, threshold: 0 },
      { mode: 'sampling', budget: 95, threshold: 0 },
      { mode: 'sampling', budget: 96, threshold: 0 },
    ]);
    expect(out.map(({ gpu }) => gpu.tiles.length)).toEqual([5, 95, 96]);
    expect(out[0]!.ref.ties.length).toBe(96);
  });

  test('sampling never selects tiles at or below 1/255, even within budget', async ({ page }) => {
    const err = createImage(24, 16, 1);
    // Tile errors: 1/255 (the floor, as f32), just above it, 0, and a few large values.
    for (let i = 0; i < err.data.length; i++) err.data[i] = [1 / 255, 0, 0.5 / 255][i % 3]!;
    err.data[0] = 1.01 / 255;
    err.data[100] = 0.7;
    err.data[200] = 0.2;
    const [r] = await expectValid(page, { frameWidth: 96, frameHeight: 64, err }, [{ mode: 'sampling', budget: 96, threshold: 0 }]);
    expect(r!.gpu.tiles.length).toBe(3);
  });

  test('the counters reset between frames (same buffers, repeated runs)', async ({ page }) => {
    const layout = { frameWidth: 96, frameHeight: 64, err: errorMap(3, 24, 16) };
    const runs: TileSelectionParams[] = [
      { mode: 'sampling', budget: 10, threshold: 0 },
      { mode: 'sampling', budget: 10, threshold: 0 },
      { mode: 'full', budget: 0, threshold: 0 },
      { mode: 'sampling', budget: 3, threshold: 0 },
      { mode: 'thresholding', budget: 0, threshold: 0.5 },
    ];
    const out = await expectValid(page, layout, runs);
    expect(out.map(({ gpu }) => gpu.dispatch[0])).toEqual(out.map(({ ref }) => ref.count));
  });
});
