import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { clipName } from '../../scripts/lib/bandwidth/clips';
import { vp8FfmpegArgs } from '../../scripts/lib/bandwidth/ffmpeg';
import { I420ErrorSum, psnrFromMse, rgbaToI420 } from '../../scripts/lib/bandwidth/i420';
import { readIvf, writeIvf } from '../../scripts/lib/bandwidth/ivf';
import { checkFixedQuantizer, expectedQIndex, parseTraceHeaders } from '../../scripts/lib/bandwidth/quantizer';
import { kbitPerSecond, meanOverClips, saving, withSavings } from '../../scripts/lib/bandwidth/savings';
import { formatBandwidthTable } from '../../scripts/lib/bandwidth/table';
import type { BandwidthRow } from '../../scripts/lib/bandwidth/types';
import { parseVp8FrameHeader } from '../../scripts/lib/bandwidth/vp8Header';
import { y4mHeader } from '../../scripts/lib/bandwidth/y4m';

describe('bitrate arithmetic', () => {
  it('gives kbit/s at the clip rate', () => {
    expect(kbitPerSecond(1000, 30, 30)).toBe(8); // 1000 B per second
    expect(kbitPerSecond(1000, 15, 30)).toBe(16);
    expect(kbitPerSecond(0, 10, 15)).toBe(0);
    expect(() => kbitPerSecond(10, 0, 30)).toThrow(RangeError);
    expect(() => kbitPerSecond(10, 3, 0)).toThrow(RangeError);
  });

  it('gives the saving as a fraction of the camera', () => {
    expect(saving(40, 100)).toBeCloseTo(0.6, 12);
    expect(saving(120, 100)).toBeCloseTo(-0.2, 12);
    expect(() => saving(1, 0)).toThrow(RangeError);
  });
});

describe('PSNR', () => {
  it('is 100 dB for identical frames and 10·log10(255²/MSE) otherwise', () => {
    expect(psnrFromMse(0)).toBe(100);
    expect(psnrFromMse((255 * 255) / 1000)).toBeCloseTo(30, 10);
  });

  it('sums squared errors over luma and over all planes', () => {
    const a = new Uint8Array(4 * 2 * 1.5).fill(100); // 4×2: 8 luma, 2 + 2 chroma
    const b = a.slice();
    const sum = new I420ErrorSum();
    sum.add(a, b, 4, 2);
    expect(sum.psnr()).toEqual({ y: 100, yuv: 100 });
    b[0] = 110; // one luma sample off by 10
    b[8] = 120; // one chroma sample off by 20
    const sum2 = new I420ErrorSum();
    sum2.add(a, b, 4, 2);
    expect(sum2.psnr().y).toBeCloseTo(psnrFromMse(100 / 8), 10);
    expect(sum2.psnr().yuv).toBeCloseTo(psnrFromMse(500 / 12), 10);
    expect(() => sum2.add(a, b.subarray(1), 4, 2)).toThrow(RangeError);
    expect(() => new I420ErrorSum().psnr()).toThrow('no frames');
  });
});

describe('rgbaToI420', () => {
  const solid = (r: number, g: number, b: number): Uint8Array => {
    const px = new Uint8Array(4 * 2 * 4);
    for (let i = 0; i < 8; i++) px.set([r, g, b, 255], i * 4);
    return rgbaToI420(px, 4, 2);
  };
  it('uses BT.601 limited range', () => {
    expect([...solid(255, 255, 255)]).toEqual([...new Array(8).fill(235), 128, 128, 128, 128]);
    expect([...solid(0, 0, 0)]).toEqual([...new Array(8).fill(16), 128, 128, 128, 128]);
    const red = solid(255, 0, 0);
    expect(red[0]).toBe(81); // 16 + 219·0.299
    expect(red[8]).toBe(90); // Cb = 128 − 224·0.168736
    expect(red[10]).toBe(240); // Cr = 128 + 224·0.5
  });
  it('averages each 2×2 block for chroma', () => {
    const px = new Uint8Array(2 * 2 * 4);
    px.set([255, 0, 0, 255, 255, 0, 0, 255, 0, 0, 0, 255, 0, 0, 0, 255]); // top row red, bottom black
    const out = rgbaToI420(px, 2, 2);
    expect(out[5]).toBe(Math.round(128 + 224 * 0.5 * 0.5)); // Cr of half red
  });
  it('rejects odd sizes and wrong lengths', () => {
    expect(() => rgbaToI420(new Uint8Array(3 * 2 * 4), 3, 2)).toThrow(RangeError);
    expect(() => rgbaToI420(new Uint8Array(5), 2, 2)).toThrow(RangeError);
  });
});

describe('containers and names', () => {
  it('writes a .y4m header with an integer or a thousandths frame rate', () => {
    expect(y4mHeader(640, 360, 15)).toBe('YUV4MPEG2 W640 H360 F15:1 Ip A1:1 C420jpeg XCOLORRANGE=LIMITED\n');
    expect(y4mHeader(640, 480, 29.97)).toContain(' F29970:1000 ');
  });

  it('round-trips IVF and rejects a broken one', () => {
    const frames = [Uint8Array.of(1, 2, 3), Uint8Array.of(), Uint8Array.of(9)];
    const ivf = writeIvf('vp9', 64, 48, 15, frames);
    const back = readIvf(ivf);
    expect(back.fourcc).toBe('VP90');
    expect(back.frames.map((f) => [...f])).toEqual(frames.map((f) => [...f]));
    expect(() => readIvf(ivf.subarray(0, ivf.length - 1))).toThrow('announced');
    expect(() => readIvf(Buffer.from('RIFF0000000000000000000000000000'))).toThrow('DKIF');
  });

  it('names a clip by its file, or by its folder for clip.y4m', () => {
    expect(clipName('/x/dev/clips/dev_clip0/clip.y4m')).toBe('dev_clip0');
    expect(clipName('/x/webcam_clips/again.mkv')).toBe('again');
  });
});

/** VP8's boolean entropy encoder (RFC 6386 7.3), to write frame headers with known fields. */
class BoolEncoder {
  readonly out: number[] = [];
  private bottom = 0;
  private range = 255;
  private bitCount = 24;
  bool(prob: number, bit: number): void {
    const split = 1 + (((this.range - 1) * prob) >> 8);
    if (bit) {
      this.bottom += split;
      this.range -= split;
    } else {
      this.range = split;
    }
    while (this.range < 128) {
      this.range *= 2;
      if (this.bottom >= 2 ** 31) {
        let i = this.out.length - 1;
        while (this.out[i] === 255) this.out[i--] = 0;
        this.out[i]!++;
      }
      this.bottom = (this.bottom * 2) % 2 ** 32;
      if (--this.bitCount === 0) {
        this.out.push(Math.floor(this.bottom / 2 ** 24));
        this.bottom %= 2 ** 24;
        this.bitCount = 8;
      }
    }
  }
  literal(n: number, v: number): void {
    for (let i = n - 1; i >= 0; i--) this.bool(128, (v >> i) & 1);
  }
  bytes(): number[] {
    for (let i = 0; i < 32; i++) this.bool(128, 0);
    return this.out;
  }
}

function vp8Header(o: { key: boolean; segmentation: boolean; q: number }): Uint8Array {
  const e = new BoolEncoder();
  if (o.key) e.literal(2, 0);
  e.literal(1, o.segmentation ? 1 : 0);
  if (o.segmentation) {
    e.literal(1, 1); // update map
    e.literal(1, 1); // update data
    e.literal(1, 0); // delta mode
    for (let s = 0; s < 4; s++) {
      e.literal(1, 1); // quantizer present
      e.literal(7, 5 * s);
      e.literal(1, s % 2); // sign
    }
    for (let s = 0; s < 4; s++) e.literal(1, 0); // no loop filter values
    for (let i = 0; i < 3; i++) {
      e.literal(1, 1);
      e.literal(8, 200);
    }
  }
  e.literal(1, 0); // filter type
  e.literal(6, 33); // level
  e.literal(3, 2); // sharpness
  e.literal(1, 1); // loop filter adjustments on
  e.literal(1, 1); // updated
  for (let i = 0; i < 8; i++) {
    e.literal(1, i % 2);
    if (i % 2) e.literal(7, 0b1010101); // 6-bit value and sign
  }
  e.literal(2, 1); // two DCT partitions
  e.literal(7, o.q);
  e.literal(1, 0); // no y_dc delta …
  const body = e.bytes();
  const tag = (o.key ? 0 : 1) | (1 << 4) | (body.length << 5);
  const head = [tag & 255, (tag >> 8) & 255, (tag >> 16) & 255];
  if (o.key) head.push(0x9d, 0x01, 0x2a, 64, 0, 48, 0);
  return Uint8Array.from([...head, ...body]);
}

describe('VP8 frame headers', () => {
  it('reads the quantizer index, the frame type and segmentation', () => {
    expect(parseVp8FrameHeader(vp8Header({ key: true, segmentation: false, q: 59 }))).toEqual({ keyFrame: true, qIndex: 59, perBlock: false });
    expect(parseVp8FrameHeader(vp8Header({ key: false, segmentation: false, q: 127 }))).toEqual({ keyFrame: false, qIndex: 127, perBlock: false });
    expect(parseVp8FrameHeader(vp8Header({ key: false, segmentation: true, q: 25 }))).toEqual({ keyFrame: false, qIndex: 25, perBlock: true });
    expect(parseVp8FrameHeader(vp8Header({ key: true, segmentation: true, q: 0 }))).toEqual({ keyFrame: true, qIndex: 0, perBlock: true });
  });

  it('rejects a key frame without the start code', () => {
    const frame = vp8Header({ key: true, segmentation: false, q: 1 });
    frame[3] = 0;
    expect(() => parseVp8FrameHeader(frame)).toThrow('start code');
  });

  const dir = mkdtempSync(join(tmpdir(), 'bandwidth-unit-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  it.each([0, 20, 40, 63])('libvpx at -qmin/-qmax %i writes q_trans[Q] into every frame (ffmpeg)', (q) => {
    const input = join(dir, 'in.y4m');
    const frame = Buffer.alloc(32 * 32 * 1.5);
    for (let i = 0; i < frame.length; i++) frame[i] = (i * 37) % 251;
    writeFileSync(input, Buffer.concat([Buffer.from(y4mHeader(32, 32, 15)), ...[0, 1, 2].flatMap(() => [Buffer.from('FRAME\n'), frame])]));
    const output = join(dir, `q${q}.ivf`);
    const run = spawnSync('ffmpeg', vp8FfmpegArgs(input, output, q), { encoding: 'utf8' });
    expect(run.status, run.stderr).toBe(0);
    const headers = readIvf(readFileSync(output)).frames.map(parseVp8FrameHeader);
    expect(headers.map((h) => h.keyFrame)).toEqual([true, false, false]);
    expect(() => checkFixedQuantizer(headers, 'vp8-libvpx', q, 3)).not.toThrow();
  });
});

describe('quantizer checks', () => {
  it('maps the API quantizer to each codec’s index', () => {
    expect([0, 20, 40, 63].map((q) => expectedQIndex('vp8-libvpx', q))).toEqual([0, 25, 59, 127]);
    expect([0, 20, 40, 62, 63].map((q) => expectedQIndex('vp9-webcodecs', q))).toEqual([0, 80, 160, 248, 255]);
    expect(expectedQIndex('av1-webcodecs', 40)).toBe(160);
    expect(() => expectedQIndex('vp9-webcodecs', 64)).toThrow(RangeError);
  });

  it('reads VP9 and AV1 indices from ffmpeg trace_headers output', () => {
    const log = [
      '[trace_headers @ 0x1] 111         base_q_idx                                           01010000 = 80',
      '[trace_headers @ 0x1] 122         segmentation_enabled                                        0 = 0',
      '[trace_headers @ 0x1] 49          base_q_idx                                           01010000 = 80',
      '[trace_headers @ 0x1] 60          segmentation_enabled                                        1 = 1',
      '[trace_headers @ 0x1] 70          base_q_idx                                           10100000 = 160',
      '[trace_headers @ 0x1] 90          delta_q_present                                             1 = 1',
    ].join('\n');
    expect(parseTraceHeaders(log)).toEqual([
      { qIndex: 80, perBlock: false },
      { qIndex: 80, perBlock: true },
      { qIndex: 160, perBlock: true },
    ]);
  });

  it('fails a sequence whose frames left the quantizer', () => {
    const at = (qIndex: number, perBlock = false): { qIndex: number; perBlock: boolean } => ({ qIndex, perBlock });
    expect(() => checkFixedQuantizer([at(80), at(80)], 'vp9-webcodecs', 20, 2)).not.toThrow();
    expect(() => checkFixedQuantizer([at(80), at(84)], 'vp9-webcodecs', 20, 2)).toThrow('did not hold the quantizer: frame headers show index 84, expected 80');
    expect(() => checkFixedQuantizer([at(80), at(80, true)], 'vp9-webcodecs', 20, 2)).toThrow('segmentation');
    expect(() => checkFixedQuantizer([at(80)], 'vp9-webcodecs', 20, 2)).toThrow('1 frame headers read back for 2 frames');
  });
});

describe('savings, means and the table', () => {
  const row = (clip: string, variant: BandwidthRow['variant'], kbps: number, deltaKbps: number, psnrY = 40): BandwidthRow => ({
    clip,
    variant,
    codec: 'vp9-webcodecs',
    quantizer: 20,
    frames: 30,
    fps: 15,
    bytes: (kbps * 1000 * 2) / 8,
    kbps,
    saving: null,
    deltaKbps,
    deltaSaving: null,
    keyFrames: 1,
    qIndex: 80,
    psnrY,
    psnrYuv: psnrY + 1,
  });
  const rows = withSavings([row('a', 'camera', 100, 80), row('a', 'blur-medium', 40, 20, 44), row('b', 'camera', 200, 100), row('b', 'blur-medium', 150, 90, 42)]);

  it('compares each row with its clip’s camera', () => {
    expect(rows.map((r) => r.saving)).toEqual([null, expect.closeTo(0.6, 12), null, expect.closeTo(0.25, 12)]);
    expect(rows.map((r) => r.deltaSaving)).toEqual([null, expect.closeTo(0.75, 12), null, expect.closeTo(0.1, 12)]);
    expect(() => withSavings([row('a', 'off', 10, 5)])).toThrow('no camera row for a vp9-webcodecs q20');
  });

  it('averages the clips, each weighing the same', () => {
    const means = meanOverClips(rows);
    expect(means).toEqual([
      { codec: 'vp9-webcodecs', quantizer: 20, variant: 'camera', clips: 2, kbps: 150, saving: null, deltaKbps: 90, deltaSaving: null, psnrY: 40 },
      { codec: 'vp9-webcodecs', quantizer: 20, variant: 'blur-medium', clips: 2, kbps: 95, saving: expect.closeTo(0.425, 12), deltaKbps: 55, deltaSaving: expect.closeTo(0.425, 12), psnrY: 43 },
    ]);
  });

  it('prints a table per codec and quantizer with a mean row', () => {
    const text = formatBandwidthTable({ rows, means: meanOverClips(rows), variants: ['camera', 'blur-medium'], codecs: ['vp9-webcodecs', 'vp8-libvpx'], quantizers: [20] });
    const lines = text.split('\n');
    expect(lines[0]).toBe('VP9 (WebCodecs), Q 20: saving vs camera (kbit/s)');
    expect(lines[1]).toMatch(/^clip\s+camera kbit\/s\s+medium\s+PSNR-Y camera\/medium dB$/);
    expect(lines[2]).toMatch(/^a\s+100\s+60\.0% \(40\)\s+40\.0 \/ 44\.0$/);
    expect(lines[3]).toMatch(/^b\s+200\s+25\.0% \(150\)/);
    expect(lines[4]).toMatch(/^mean of 2\s+150\s+42\.5% \(95\)\s+40\.0 \/ 43\.0$/);
    expect(lines[5]).toMatch(/^ {2}after key frame\s+90\s+42\.5% \(55\)\s*$/);
    expect(text).not.toContain('VP8'); // no rows, no table
  });
});
