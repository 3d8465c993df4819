// BitGrid against plain per-cell loops on random sets, at widths on and off 32-cell word boundaries.
import { describe, expect, it } from 'vitest';
import { BitGrid } from '../../src/pipeline/canvas/bitGrid';
import { rng } from '../gpu/cases/rng';

/** A random set of a w×h grid with about `share` of the cells, as bytes (0/1) and as a BitGrid. */
function randomSet(w: number, h: number, share: number, seed: number): { cells: Uint8Array; bits: BitGrid } {
  const random = rng(seed);
  const cells = new Uint8Array(w * h);
  const bits = new BitGrid(w, h);
  for (let k = 0; k < w * h; k++) {
    if (random() < share) {
      cells[k] = 1;
      bits.add(k);
    }
  }
  return { cells, bits };
}

/** The cells of a BitGrid as bytes. */
function cellsOf(bits: BitGrid): Uint8Array {
  return Uint8Array.from({ length: bits.w * bits.h }, (_, k) => (bits.has(k) ? 1 : 0));
}

/** Whether any cell of the (2r+1)² square around (x, y), clamped to the grid, passes `test`. */
function anyAround(w: number, h: number, x: number, y: number, r: number, test: (k: number) => boolean): boolean {
  for (let dy = -r; dy <= r; dy++) {
    for (let dx = -r; dx <= r; dx++) {
      const xx = Math.min(Math.max(x + dx, 0), w - 1);
      const yy = Math.min(Math.max(y + dy, 0), h - 1);
      if (test(yy * w + xx)) return true;
    }
  }
  return false;
}

describe('BitGrid', () => {
  const sizes: [number, number][] = [[1, 1], [31, 5], [32, 7], [33, 9], [70, 13], [100, 40]];
  it('dilates, erodes and finds 4-neighbours as per-cell loops do, bits past the width staying 0', () => {
    let seed = 1;
    for (const [w, h] of sizes) {
      for (const share of [0.01, 0.3, 0.97]) {
        const { cells, bits } = randomSet(w, h, share, seed++);
        expect(cellsOf(bits)).toEqual(cells);
        const tmp = new BitGrid(w, h);
        const tmp2 = new BitGrid(w, h);
        for (const r of [1, 2, 4]) {
          const dilated = new BitGrid(w, h).dilate(bits, r, tmp);
          const eroded = new BitGrid(w, h).erode(bits, r, tmp, tmp2);
          const at = (f: (x: number, y: number) => boolean): Uint8Array => Uint8Array.from({ length: w * h }, (_, k) => (f(k % w, Math.floor(k / w)) ? 1 : 0));
          expect(cellsOf(dilated), `dilate r=${r} ${w}×${h}`).toEqual(at((x, y) => anyAround(w, h, x, y, r, (k) => cells[k] === 1)));
          expect(cellsOf(eroded), `erode r=${r} ${w}×${h}`).toEqual(at((x, y) => !anyAround(w, h, x, y, r, (k) => cells[k] === 0)));
          for (const g of [dilated, eroded]) for (let k = g.stride - 1; k < g.words.length; k += g.stride) expect(w % 32 === 0 || g.words[k]! >>> w % 32 === 0).toBe(true);
        }
        const near = new BitGrid(w, h).neighbours(bits);
        const expected = Uint8Array.from({ length: w * h }, (_, k) => {
          const x = k % w;
          const y = (k - x) / w;
          return (x > 0 && cells[k - 1] === 1) || (x + 1 < w && cells[k + 1] === 1) || (y > 0 && cells[k - w] === 1) || (y + 1 < h && cells[k + w] === 1) ? 1 : 0;
        });
        expect(cellsOf(near), `neighbours ${w}×${h}`).toEqual(expected);
      }
    }
  });

  it('lists its cells in order and its gaps as row runs', () => {
    let seed = 100;
    for (const [w, h] of sizes) {
      for (const share of [0, 0.05, 0.5, 1]) {
        const { cells, bits } = randomSet(w, h, share, seed++);
        const list = new Int32Array(w * h);
        const n = bits.list(list);
        expect(Array.from(list.subarray(0, n))).toEqual(Array.from(cells.keys()).filter((k) => cells[k] === 1));
        const gaps = new Uint8Array(w * h);
        bits.forEachGap((start, end) => {
          expect(Math.floor(start / w)).toBe(Math.floor((end - 1) / w));
          for (let k = start; k < end; k++) gaps[k]! += 1;
        });
        expect(Array.from(gaps)).toEqual(Array.from(cells, (c) => 1 - c));
      }
    }
  });

  it('bounds its cells by the smallest rectangle, null when empty', () => {
    let seed = 300;
    for (const [w, h] of sizes) {
      for (const share of [0, 0.001, 0.05, 1]) {
        const { cells, bits } = randomSet(w, h, share, seed++);
        const set = Array.from(cells.keys()).filter((k) => cells[k] === 1);
        const xs = set.map((k) => k % w);
        const ys = set.map((k) => Math.floor(k / w));
        const expected = set.length ? { x0: Math.min(...xs), y0: Math.min(...ys), x1: Math.max(...xs) + 1, y1: Math.max(...ys) + 1 } : null;
        expect(bits.bounds()).toEqual(expected);
      }
    }
    const one = new BitGrid(70, 5);
    one.add(3 * 70 + 64);
    expect(one.bounds()).toEqual({ x0: 64, y0: 3, x1: 65, y1: 4 });
  });

  it('takes unions, intersections, differences and complements word by word', () => {
    const a = randomSet(70, 9, 0.4, 7);
    const b = randomSet(70, 9, 0.4, 8);
    const cells = (f: (x: number, y: number) => boolean): Uint8Array => Uint8Array.from({ length: 630 }, (_, k) => (f(a.cells[k]!, b.cells[k]!) ? 1 : 0));
    expect(cellsOf(new BitGrid(70, 9).or(a.bits, b.bits))).toEqual(cells((x, y) => x === 1 || y === 1));
    expect(cellsOf(new BitGrid(70, 9).and(a.bits, b.bits))).toEqual(cells((x, y) => x === 1 && y === 1));
    expect(cellsOf(new BitGrid(70, 9).andNot(a.bits, b.bits))).toEqual(cells((x, y) => x === 1 && y === 0));
    const not = new BitGrid(70, 9).not(a.bits);
    expect(cellsOf(not)).toEqual(cells((x) => x === 0));
    expect(not.words[not.stride - 1]! >>> 6).toBe(0);
  });
});
