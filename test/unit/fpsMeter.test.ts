import { describe, expect, it } from 'vitest';
import { FpsMeter } from '../../src/element/fpsMeter';

describe('FpsMeter', () => {
  it('counts the frames of the last second', () => {
    const meter = new FpsMeter();
    for (let t = 40; t <= 2000; t += 40) meter.tick(t);
    expect(meter.fps(2000)).toBe(25);
  });

  it('decays to zero when frames stop', () => {
    const meter = new FpsMeter();
    meter.tick(0);
    meter.tick(500);
    expect(meter.fps(900)).toBe(2);
    expect(meter.fps(1200)).toBe(1);
    expect(meter.fps(1600)).toBe(0);
  });
});
