import { describe, expect, it } from 'vitest';
import { createImage } from '../../src/gpu/reference/image';
import {
  checkSelection,
  packTile,
  selectFromErrors,
  selectTilesReference,
  TILE_MIN_ERR,
  tileBin,
  tileErrors,
  unpackTile,
  type TileSelectionParams,
} from '../../src/gpu/reference/selectTiles';

const sampling = (budget: number): TileSelectionParams => ({ mode: 'sampling', budget, threshold: 0 });
const thresholding = (threshold: number): TileSelectionParams => ({ mode: 'thresholding', budget: 0, threshold });
const FULL: TileSelectionParams = { mode: 'full', budget: 0, threshold: 0 };

describe('tile selection reference', () => {
  describe('sampling', () => {
    const errors = [0.9, 0.1, 0.5, 0.5, 0.5, 0];

    it('takes the top tiles up to the budget, ties in the cut bin first come', () => {
      const s = selectFromErrors(errors, 6, 1, sampling(3));
      expect(s.count).toBe(3);
      expect(s.required).toEqual([0]);
      expect(s.ties).toEqual([2, 3, 4]);
      expect(s.cutBin).toBe(128);
      expect(s.tieBudget).toBe(2);
      expect(s.selected).toEqual([0, 2, 3]);
    });

    it('accepts any choice of ties and nothing else', () => {
      const s = selectFromErrors(errors, 6, 1, sampling(3));
      expect(checkSelection([0, 2, 3], s)).toBeNull();
      expect(checkSelection([4, 0, 2], s)).toBeNull();
      expect(checkSelection([3, 4, 0], s)).toBeNull();
      expect(checkSelection([0, 2], s)).toMatch(/expected 3 tiles/);
      expect(checkSelection([0, 2, 3, 4], s)).toMatch(/expected 3 tiles/);
      expect(checkSelection([2, 3, 4], s)).toMatch(/required tile 0/);
      expect(checkSelection([0, 1, 2], s)).toMatch(/neither required nor in the cut bin/);
      expect(checkSelection([0, 2, 2], s)).toMatch(/duplicates/);
      expect(checkSelection([0, 2, 9], s)).toMatch(/out of range/);
    });

    it('takes whole bins when the budget ends at a bin boundary', () => {
      const s = selectFromErrors(errors, 6, 1, sampling(4));
      expect(s.selected).toEqual([0, 2, 3, 4]);
      expect(s.count).toBe(4);
      expect(checkSelection([4, 3, 2, 0], s)).toBeNull();
      expect(selectFromErrors(errors, 6, 1, sampling(1)).selected).toEqual([0]);
    });

    it('takes every tile with an error when the budget is larger, and none with budget 0', () => {
      const s = selectFromErrors(errors, 6, 1, sampling(100));
      expect(s.selected).toEqual([0, 1, 2, 3, 4]);
      expect(s.count).toBe(5);
      expect(s.ties).toEqual([]);
      const none = selectFromErrors(errors, 6, 1, sampling(0));
      expect(none.count).toBe(0);
      expect(none.selected).toEqual([]);
      expect(checkSelection([], none)).toBeNull();
    });

    it('never selects tiles with an error at or below 1/255', () => {
      const s = selectFromErrors([1 / 255, 1.001 / 255, 0, 0.5 / 255, 2 / 255, Math.fround(1 / 255)], 6, 1, sampling(6));
      expect(s.selected).toEqual([1, 4]);
      expect(checkSelection([4, 1], s)).toBeNull();
      expect(TILE_MIN_ERR).toBe(Math.fround(1 / 255));
    });

    it('bins: errors in one 1/256-wide bin tie, errors above 1 share the top bin', () => {
      expect(tileBin(0.1)).toBe(25);
      expect(tileBin(0.1015)).toBe(25);
      expect(tileBin(0.5)).toBe(128);
      expect(tileBin(1)).toBe(255);
      expect(tileBin(7)).toBe(255);
      expect(tileBin(-1)).toBe(0);
      const s = selectFromErrors([0.1, 0.1015, 1, 1.5], 4, 1, sampling(3));
      expect(s.required).toEqual([2, 3]);
      expect(s.ties).toEqual([0, 1]);
      expect(s.tieBudget).toBe(1);
      expect(checkSelection([1, 2, 3], s)).toBeNull();
    });
  });

  it('thresholding keeps err > threshold (strict, in f32)', () => {
    const errors = [0.9, 0.1, 0.5, 0.3, 0.3000001, 0, 0.5 / 255];
    expect(selectFromErrors(errors, 7, 1, thresholding(0.3)).selected).toEqual([0, 2, 4]);
    expect(selectFromErrors(errors, 7, 1, thresholding(0)).selected).toEqual([0, 1, 2, 3, 4, 6]);
    expect(selectFromErrors(errors, 7, 1, thresholding(1)).selected).toEqual([]);
    const s = selectFromErrors(errors, 7, 1, thresholding(0.3));
    expect(s.required).toEqual(s.selected);
    expect(checkSelection([4, 2, 0], s)).toBeNull();
    expect(checkSelection([4, 2, 3], s)).not.toBeNull();
  });

  it('full keeps every tile, errors or not', () => {
    const s = selectFromErrors([0, 0, 0.2, 0], 2, 2, FULL);
    expect(s.selected).toEqual([0, 1, 2, 3]);
    expect(s.count).toBe(4);
  });

  it('tile error is the max over the 2×2 texels inside the map (partial edge tiles)', () => {
    // 3×3 texels → 2×2 tiles; the right and bottom tiles have one texel column / row.
    const err = createImage(3, 3, 1);
    err.data.set([0.1, 0.4, 0.2, 0.3, 0.05, 0.6, 0.7, 0.8, 0.9]);
    expect([...tileErrors(err, 2, 2)].map((v) => +v.toFixed(6))).toEqual([0.4, 0.6, 0.8, 0.9]);
    // A tile entirely outside the map has error 0.
    expect([...tileErrors(err, 3, 2)].map((v) => +v.toFixed(6))).toEqual([0.4, 0.6, 0, 0.8, 0.9, 0]);
    const s = selectTilesReference(err, 2, 2, sampling(2));
    expect(s.selected).toEqual([2, 3]);
  });

  it('packs tiles as x | y << 16', () => {
    expect(packTile(13, 12)).toBe(1 | (1 << 16));
    expect(unpackTile(1 | (1 << 16), 12)).toBe(13);
    for (let t = 0; t < 96; t++) expect(unpackTile(packTile(t, 12), 12)).toBe(t);
    expect(packTile(160 * 90 - 1, 160)).toBe((159 | (89 << 16)) >>> 0);
  });

  it('rejects an error list of the wrong length', () => {
    expect(() => selectFromErrors([0.1, 0.2], 2, 2, FULL)).toThrow(RangeError);
  });
});
