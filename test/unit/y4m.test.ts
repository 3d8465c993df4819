import { describe, expect, it } from 'vitest';
import { InputError } from '../../src/errors';
import { parseY4mHeader, splitY4m, y4mColorSpace } from '../../src/sources/y4m';

const ascii = (s: string): Uint8Array => new Uint8Array([...s].map((ch) => ch.charCodeAt(0)));
const concat = (...parts: (Uint8Array | string)[]): Uint8Array => {
  const arrays = parts.map((p) => (typeof p === 'string' ? ascii(p) : p));
  const out = new Uint8Array(arrays.reduce((n, a) => n + a.length, 0));
  let pos = 0;
  for (const a of arrays) {
    out.set(a, pos);
    pos += a.length;
  }
  return out;
};
/** n bytes first, first+1, … (mod 256). */
const ramp = (n: number, first: number): Uint8Array => Uint8Array.from({ length: n }, (_, i) => (first + i) % 256);

const HEADER = 'YUV4MPEG2 W4 H2 F30:1 Ip A1:1 C420jpeg XYSCSS=420JPEG\n';
// 4×2 I420: 8 luma + 2 + 2 chroma = 12 bytes per frame
const FRAME0 = ramp(12, 10);
const FRAME1 = ramp(12, 100);
const VALID = concat(HEADER, 'FRAME\n', FRAME0, 'FRAME Ixyz\n', FRAME1);

function inputError(fn: () => unknown): InputError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(InputError);
    return err as InputError;
  }
  throw new Error('expected an InputError, nothing was thrown');
}
const headerCode = (s: string): string => inputError(() => parseY4mHeader(ascii(s))).code;

describe('parseY4mHeader', () => {
  it('reads the W, H, F and C tags', () => {
    expect(parseY4mHeader(VALID)).toEqual({
      width: 4,
      height: 2,
      fps: 30,
      colorspace: '420jpeg',
      range: 'limited',
      headerBytes: HEADER.length,
      frameBytes: 12,
    });
  });

  it('reads XCOLORRANGE, a fractional rate and the defaults', () => {
    const h = parseY4mHeader(ascii('YUV4MPEG2 W640 H360 F30000:1001 C420mpeg2 XCOLORRANGE=FULL\n'));
    expect(h).toMatchObject({ width: 640, height: 360, colorspace: '420mpeg2', range: 'full', frameBytes: (640 * 360 * 3) / 2 });
    expect(h.fps).toBeCloseTo(29.97003, 5);
    const d = parseY4mHeader(ascii('YUV4MPEG2 W2 H6\n'));
    expect(d).toMatchObject({ fps: null, colorspace: '420jpeg', range: 'limited', headerBytes: 16, frameBytes: 18 });
    expect(parseY4mHeader(ascii('YUV4MPEG2 W2 H2 XCOLORRANGE=LIMITED F0:0\n'))).toMatchObject({ range: 'limited', fps: null });
  });

  it('rejects malformed headers as corrupt-input', () => {
    expect(headerCode('YUV4MPEG3 W4 H2\n')).toBe('corrupt-input');
    expect(headerCode('RIFF....WAVE\n')).toBe('corrupt-input');
    expect(headerCode('YUV4MPEG2 W4 H2')).toBe('corrupt-input'); // no newline
    expect(headerCode(`YUV4MPEG2 W4 H2 X${'a'.repeat(1100)}\n`)).toBe('corrupt-input'); // newline after 1 KiB
    expect(headerCode('YUV4MPEG2 W3 H2\n')).toBe('corrupt-input'); // odd
    expect(headerCode('YUV4MPEG2 W4 H5\n')).toBe('corrupt-input');
    expect(headerCode('YUV4MPEG2 W0 H2\n')).toBe('corrupt-input');
    expect(headerCode('YUV4MPEG2 H2\n')).toBe('corrupt-input'); // no width
    expect(headerCode('YUV4MPEG2 W4 H-2\n')).toBe('corrupt-input');
    expect(headerCode('YUV4MPEG2 W20000 H2\n')).toBe('corrupt-input');
  });

  it('rejects non-4:2:0 colour spaces as unsupported-input', () => {
    expect(headerCode('YUV4MPEG2 W4 H2 C444\n')).toBe('unsupported-input');
    expect(headerCode('YUV4MPEG2 W4 H2 C420p10\n')).toBe('unsupported-input');
    expect(headerCode('YUV4MPEG2 W4 H2 Cmono\n')).toBe('unsupported-input');
  });
});

describe('y4mColorSpace', () => {
  it('is BT.601 with the header range', () => {
    expect(y4mColorSpace({ range: 'full' })).toEqual({ matrix: 'smpte170m', primaries: 'smpte170m', transfer: 'smpte170m', fullRange: true });
    expect(y4mColorSpace({ range: 'limited' }).fullRange).toBe(false);
  });
});

describe('splitY4m', () => {
  it('splits two frames, skipping FRAME parameters', () => {
    const { header, frames } = splitY4m(VALID);
    expect(header.frameBytes).toBe(12);
    expect(frames.map((f) => [...f])).toEqual([[...FRAME0], [...FRAME1]]);
  });

  it('returns no frames for a header alone', () => {
    expect(splitY4m(ascii(HEADER)).frames).toEqual([]);
  });

  it('rejects a truncated last frame and a record without FRAME as corrupt-input', () => {
    expect(inputError(() => splitY4m(VALID.subarray(0, VALID.length - 1))).code).toBe('corrupt-input');
    expect(inputError(() => splitY4m(concat(HEADER, 'FRAME\n', FRAME0, 'FRAME'))).code).toBe('corrupt-input');
    expect(inputError(() => splitY4m(concat(HEADER, 'FRAME\n', FRAME0, 'FRAMX\n', FRAME1))).code).toBe('corrupt-input');
    expect(inputError(() => splitY4m(concat(HEADER, FRAME0))).code).toBe('corrupt-input');
    // one stray byte after the last frame
    expect(inputError(() => splitY4m(concat(VALID, '\n'))).code).toBe('corrupt-input');
  });

  it('fuzz: 2,000 mutated files either split or throw InputError', () => {
    let seed = 0x9e3779b9;
    const rand = (n: number): number => {
      // xorshift32
      seed ^= seed << 13;
      seed ^= seed >>> 17;
      seed ^= seed << 5;
      return (seed >>> 0) % n;
    };
    const started = performance.now();
    const outcomes = { ok: 0, inputError: 0 };
    for (let t = 0; t < 2000; t++) {
      let bytes: Uint8Array = VALID.slice();
      for (let m = 1 + rand(3); m > 0; m--) {
        const pos = rand(bytes.length + 1);
        switch (rand(4)) {
          case 0: // flip a byte (or set it to a header-ish character)
            if (pos < bytes.length) bytes[pos] = rand(2) ? rand(256) : ascii(' \nWHFC0123456789:')[rand(17)]!;
            break;
          case 1: // truncate
            bytes = bytes.slice(0, pos);
            break;
          case 2: // insert 1..8 bytes
            bytes = concat(bytes.subarray(0, pos), Uint8Array.from({ length: 1 + rand(8) }, () => rand(256)), bytes.subarray(pos));
            break;
          default: // delete 1..8 bytes
            bytes = concat(bytes.subarray(0, pos), bytes.subarray(pos + 1 + rand(8)));
        }
      }
      try {
        const { header, frames } = splitY4m(bytes);
        for (const f of frames) expect(f.length).toBe(header.frameBytes);
        outcomes.ok++;
      } catch (err) {
        if (!(err instanceof InputError)) throw new Error(`mutation ${t} threw ${String(err)}`);
        expect(['corrupt-input', 'unsupported-input']).toContain(err.code);
        outcomes.inputError++;
      }
    }
    expect(outcomes.ok + outcomes.inputError).toBe(2000);
    expect(outcomes.ok).toBeGreaterThan(0);
    expect(outcomes.inputError).toBeGreaterThan(0);
    expect(performance.now() - started).toBeLessThan(3000);
  });
});
