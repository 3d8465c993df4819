import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openFrameSource } from '../../scripts/lib/frames';
import { InputError } from '../../src/errors';

let dir = '';
const path = (name: string): string => join(dir, name);
// 4×2 I420 frames: 12 bytes each
const frame0 = Uint8Array.from({ length: 12 }, (_, i) => 10 + i);
const frame1 = Uint8Array.from({ length: 12 }, (_, i) => 200 + i);
const y4m = Buffer.concat([
  Buffer.from('YUV4MPEG2 W4 H2 F25:1 C420jpeg XCOLORRANGE=FULL\nFRAME\n', 'latin1'),
  frame0,
  Buffer.from('FRAME\n', 'latin1'),
  frame1,
]);
const pngA = Buffer.from([0x89, 0x50, 0x4e, 0x47, 1]);
const pngB = Buffer.from([0x89, 0x50, 0x4e, 0x47, 2]);

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'frames-test-'));
  writeFileSync(path('clip.y4m'), y4m);
  writeFileSync(path('cut.y4m'), y4m.subarray(0, y4m.length - 3));
  writeFileSync(path('empty.y4m'), 'YUV4MPEG2 W4 H2\n');
  writeFileSync(path('clip.xyz'), 'not a frame');
  mkdirSync(path('frames'));
  writeFileSync(path('frames/b.png'), pngB);
  writeFileSync(path('frames/a.png'), pngA);
  writeFileSync(path('frames/c.txt'), 'notes');
  mkdirSync(path('no-frames'));
  writeFileSync(path('no-frames/readme.txt'), 'x');
});

afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

function inputErrorCode(p: string): string {
  try {
    openFrameSource(p).close();
  } catch (err) {
    expect(err).toBeInstanceOf(InputError);
    return (err as InputError).code;
  }
  throw new Error(`expected an InputError for ${p}`);
}

describe('openFrameSource', () => {
  it('indexes a .y4m and reads frames on demand', () => {
    const src = openFrameSource(path('clip.y4m'));
    try {
      expect(src.count).toBe(2);
      expect(src.fps).toBe(25);
      const f1 = src.frame(1);
      expect(f1).toMatchObject({ kind: 'i420', width: 4, height: 2, range: 'full' });
      expect([...(f1 as { data: Uint8Array }).data]).toEqual([...frame1]);
      expect([...(src.frame(0) as { data: Uint8Array }).data]).toEqual([...frame0]);
    } finally {
      src.close();
    }
  });

  it('rejects a truncated or frameless .y4m as corrupt-input', () => {
    expect(inputErrorCode(path('cut.y4m'))).toBe('corrupt-input');
    expect(inputErrorCode(path('empty.y4m'))).toBe('corrupt-input');
  });

  it('reads a folder of images sorted by name, ignoring other files', () => {
    const src = openFrameSource(path('frames'));
    expect(src.count).toBe(2);
    expect(src.fps).toBeNull();
    const [a, b] = [src.frame(0), src.frame(1)];
    expect(a).toMatchObject({ kind: 'image', mime: 'image/png' });
    expect(b).toMatchObject({ kind: 'image', mime: 'image/png' });
    expect([...(a as { data: Uint8Array }).data]).toEqual([...pngA]);
    expect([...(b as { data: Uint8Array }).data]).toEqual([...pngB]);
    src.close();
  });

  it('opens a single image', () => {
    const src = openFrameSource(path('frames/a.png'));
    expect(src.count).toBe(1);
    expect(src.frame(0)).toMatchObject({ kind: 'image', mime: 'image/png' });
  });

  it('rejects a missing path, an unknown extension and a folder without frames as unsupported-input', () => {
    expect(inputErrorCode(path('missing.y4m'))).toBe('unsupported-input');
    expect(inputErrorCode(path('clip.xyz'))).toBe('unsupported-input');
    expect(inputErrorCode(path('no-frames'))).toBe('unsupported-input');
  });
});
