import { describe, expect, it } from 'vitest';
import { medianFrames } from '../../src/sources/plateMedian';

const px = (...values: number[]): Uint8ClampedArray => Uint8ClampedArray.from(values);

describe('medianFrames', () => {
  it('takes the middle value per channel for an odd number of frames', () => {
    const frames = [px(10, 200, 0, 255, 7, 7, 7, 255), px(30, 100, 255, 255, 9, 7, 5, 255), px(20, 150, 128, 255, 8, 7, 6, 255)];
    expect([...medianFrames(frames)]).toEqual([20, 150, 128, 255, 8, 7, 6, 255]);
  });

  it('rejects an outlier that a mean would smear in (a hand crossing one frame of five)', () => {
    const scene = px(100, 110, 120, 255);
    const hand = px(230, 180, 160, 255);
    const frames = [scene, scene, hand, px(101, 109, 121, 255), px(99, 111, 119, 255)];
    expect([...medianFrames(frames)]).toEqual([100, 110, 120, 255]);
  });

  it('averages the two middle values for an even number of frames, rounding halves up', () => {
    const frames = [px(10, 0, 255, 1), px(20, 1, 254, 2), px(40, 3, 0, 3), px(0, 255, 255, 4)];
    // sorted per channel: [0,10,20,40] → 15; [0,1,3,255] → 2; [0,254,255,255] → 254.5 → 255; [1,2,3,4] → 2.5 → 3
    expect([...medianFrames(frames)]).toEqual([15, 2, 255, 3]);
  });

  it('two frames: their rounded mean', () => {
    expect([...medianFrames([px(0, 255, 3, 100), px(1, 255, 4, 50)])]).toEqual([1, 255, 4, 75]);
  });

  it('one frame: a copy', () => {
    const frame = px(1, 2, 3, 4);
    const out = medianFrames([frame]);
    expect([...out]).toEqual([1, 2, 3, 4]);
    expect(out).not.toBe(frame);
  });

  it('is independent of the order of the frames', () => {
    const frames = [px(5, 90), px(1, 60), px(9, 70), px(3, 80), px(7, 50), px(2, 40)];
    const expected = [...medianFrames(frames)];
    expect([...medianFrames([...frames].reverse())]).toEqual(expected);
    expect([...medianFrames([frames[3]!, frames[0]!, frames[5]!, frames[1]!, frames[4]!, frames[2]!])]).toEqual(expected);
    expect(expected).toEqual([4, 65]);
  });

  it('matches a sort-based reference on random frames and writes into `out`', () => {
    let seed = 7;
    const random = (): number => (seed = (seed * 1103515245 + 12345) % 2 ** 31) % 256;
    for (const n of [3, 4, 8, 9]) {
      const frames = Array.from({ length: n }, () => Uint8ClampedArray.from({ length: 64 }, random));
      const out = new Uint8ClampedArray(64);
      expect(medianFrames(frames, out)).toBe(out);
      for (let i = 0; i < 64; i++) {
        const sorted = frames.map((f) => f[i]!).sort((a, b) => a - b);
        expect(out[i]).toBe(Math.floor((sorted[(n - 1) >> 1]! + sorted[n >> 1]! + 1) / 2));
      }
      frames.forEach((f) => expect(f.length).toBe(64));
    }
  });

  it('rejects no frames, frames of different sizes and a wrong-sized output', () => {
    expect(() => medianFrames([])).toThrow(RangeError);
    expect(() => medianFrames([px(1, 2, 3, 4), px(1, 2, 3)])).toThrow(/frame 1 has 3 values/);
    expect(() => medianFrames([px(1, 2, 3, 4)], new Uint8ClampedArray(8))).toThrow(/output/);
  });
});
