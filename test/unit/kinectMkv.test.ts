// src/sources/kinect/recording.ts (k4arecorder MKV demuxer) and the YUY2 → I420 converter of
// colour.ts: (a) the real pyk4a recording in ../shared, checked against values obtained
// elsewhere; (b) synthetic recordings from test/kinect/buildRecording.ts (pairing into
// captures, depth delay, dropped images, split clusters, BlockGroups); (c) malformed input.
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { InputError } from '../../src/errors';
import { yuy2ToI420 } from '../../src/sources/kinect/colour';
import { decodeB16g, parseKinectRecording, type KinectImage } from '../../src/sources/kinect/recording';
import { rng } from '../gpu/cases/rng';
import { buildRecording, tinyJpeg, TINY_JPEG } from '../kinect/buildRecording';

const RECORDING = resolve(import.meta.dirname, '../../../shared/kinect/pyk4a_recording.mkv');
/** The real recording lives in ../shared: fail under CI=true when it is missing, else skip saying why. */
const recordingMissing = existsSync(RECORDING) ? null : `${RECORDING} is missing (../shared beside the checkout holds the test data)`;
if (recordingMissing && process.env.CI === 'true') throw new Error(`kinectMkv: ${recordingMissing}`);
if (recordingMissing) console.log(`skipped: real k4arecorder file tests: ${recordingMissing}`);
const realBytes = (): Uint8Array => new Uint8Array(readFileSync(RECORDING));

/** Count, min, max, median and mean of the non-zero samples. */
function validStats(samples: ArrayLike<number>): { count: number; min: number; max: number; median: number; mean: number } {
  const valid = Array.from(samples).filter((v) => v > 0);
  valid.sort((a, b) => a - b);
  const mid = valid.length >> 1;
  const median = valid.length % 2 ? valid[mid]! : (valid[mid - 1]! + valid[mid]!) / 2;
  const sum = valid.reduce((s, v) => s + v, 0);
  return { count: valid.length, min: valid[0]!, max: valid[valid.length - 1]!, median, mean: sum / valid.length };
}

/** Runs `parse` and returns the InputError it throws; fails the test on success or any other error. */
function inputError(parse: () => unknown): InputError {
  try {
    parse();
  } catch (err) {
    if (err instanceof InputError) return err;
    throw new Error(`expected an InputError, got ${String(err)}`, { cause: err });
  }
  throw new Error('expected an InputError, but the input parsed');
}

/** Index of the first sample that differs (or the lengths differ), -1 when equal. */
function firstMismatch(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) return Math.min(a.length, b.length);
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return i;
  return -1;
}

function expectOneLine(err: InputError): void {
  expect(err.message.length).toBeGreaterThan(20);
  expect(err.message).not.toContain('\n');
  expect(['corrupt-input', 'unsupported-input']).toContain(err.code);
}

describe.skipIf(recordingMissing !== null)('the real k4arecorder file (pyk4a tests/assets/recording.mkv)', () => {
  it('reads every K4A tag exactly', () => {
    const rec = parseKinectRecording(realBytes());
    expect(Object.fromEntries(rec.tags)).toEqual({
      K4A_COLOR_TRACK: '226376802450399186',
      K4A_COLOR_MODE: 'MJPG_720P',
      K4A_DEPTH_TRACK: '455224094056465970',
      K4A_DEPTH_MODE: 'NFOV_UNBINNED',
      K4A_IR_TRACK: '132505957082569141',
      K4A_IR_MODE: 'ACTIVE',
      K4A_DEPTH_DELAY_NS: '0',
      K4A_WIRED_SYNC_MODE: 'STANDALONE',
      K4A_COLOR_FIRMWARE_VERSION: '1.6.110',
      K4A_DEPTH_FIRMWARE_VERSION: '1.6.79',
      K4A_DEVICE_SERIAL_NUMBER: '001514394512',
      K4A_CALIBRATION_FILE: 'calibration.json',
      K4A_IMU_TRACK: '368432896645948698',
      K4A_IMU_MODE: 'ON',
      K4A_START_OFFSET_NS: '336277000',
    });
    expect(rec.startOffsetNs).toBe(336277000n);
    expect(rec.depthDelayNs).toBe(0n);
  });

  it('identifies the tracks with their exact 64-bit UIDs', () => {
    const { tracks } = parseKinectRecording(realBytes());
    expect(tracks.color).toEqual({ name: 'COLOR', trackNumber: 1, uid: 226376802450399186n, codecId: 'V_MS/VFW/FOURCC', fourcc: 'MJPG', width: 1280, height: 720 });
    expect(tracks.depth).toEqual({ name: 'DEPTH', trackNumber: 2, uid: 455224094056465970n, codecId: 'V_MS/VFW/FOURCC', fourcc: 'b16g', width: 640, height: 576 });
    expect(tracks.ir).toEqual({ name: 'IR', trackNumber: 3, uid: 132505957082569141n, codecId: 'V_MS/VFW/FOURCC', fourcc: 'b16g', width: 640, height: 576 });
    expect(tracks.imu).toEqual({ name: 'IMU', trackNumber: 4, uid: 368432896645948698n, codecId: 'S_K4A/IMU' });
  });

  it('returns the calibration.json attachment', () => {
    const { calibrationJson } = parseKinectRecording(realBytes());
    expect(calibrationJson).not.toBeNull();
    expect(calibrationJson!.length).toBe(3900);
    const parsed = JSON.parse(calibrationJson!) as { CalibrationInformation: { Cameras: { Purpose: string }[]; Metadata: { SerialId: string } } };
    expect(parsed.CalibrationInformation.Cameras.map((c) => c.Purpose)).toEqual(['CALIBRATION_CameraPurposeDepth', 'CALIBRATION_CameraPurposePhotoVideo']);
    expect(parsed.CalibrationInformation.Metadata.SerialId).toBe('001514394512');
  });

  it('pairs exactly one capture with colour, depth and IR at the device time pyk4a reports', () => {
    const { captures } = parseKinectRecording(realBytes());
    expect(captures).toHaveLength(1);
    const [capture] = captures;
    // pyk4a tests/functional/test_playback.py (TestGetCapture) asserts 800222 µs for all three:
    // cluster time 463945 µs + K4A_START_OFFSET_NS 336277000 / 1000.
    expect(capture!.color!.timestampUs).toBe(800222);
    expect(capture!.depth!.timestampUs).toBe(800222);
    expect(capture!.ir!.timestampUs).toBe(800222);
    expect([capture!.color!.format, capture!.color!.width, capture!.color!.height]).toEqual(['MJPG', 1280, 720]);
    expect([capture!.depth!.format, capture!.depth!.width, capture!.depth!.height]).toEqual(['b16g', 640, 576]);
    const jpeg = capture!.color!.data;
    expect(jpeg.length).toBe(217095);
    expect([jpeg[0], jpeg[1]]).toEqual([0xff, 0xd8]);
    expect([jpeg[jpeg.length - 2], jpeg[jpeg.length - 1]]).toEqual([0xff, 0xd9]);
  });

  it('decodes the depth and IR frames big-endian, matching statistics computed independently', () => {
    const bytes = realBytes();
    const capture = parseKinectRecording(bytes).captures[0]!;
    // Expected values from numpy, reading the SimpleBlock payloads at the byte offsets a ts-ebml
    // dump gave (depth 224675, IR 961963; block data start + 4 header bytes):
    //   a = np.frombuffer(b, dtype='>u2', count=640*576, offset=224675); v = a[a > 0]
    //   v.size, v.min(), v.max(), np.median(v), v.mean()
    const depth = validStats(decodeB16g(capture.depth!));
    expect(depth.count).toBe(281945);
    expect(depth.min).toBe(165);
    expect(depth.max).toBe(3690);
    expect(depth.median).toBe(1491);
    expect(depth.mean).toBeCloseTo(1351.0607707176932, 9);
    const ir = validStats(decodeB16g(capture.ir!));
    expect([ir.count, ir.min, ir.max, ir.median]).toEqual([303909, 6, 65535, 357]);
    expect(ir.mean).toBeCloseTo(3428.093883366402, 9);
    expect(capture.depth!.data.byteOffset - bytes.byteOffset).toBe(224675);

    // The same bytes read little-endian give implausible depths (numpy '<u2': median 33283,
    // max 65287 mm — beyond the sensor's ~10 m range), so the byte order is really tested.
    const data = capture.depth!.data;
    const littleEndian = new Uint16Array(data.length / 2);
    for (let i = 0; i < littleEndian.length; i++) littleEndian[i] = data[2 * i]! | (data[2 * i + 1]! << 8);
    const wrong = validStats(littleEndian);
    expect([wrong.min, wrong.max, wrong.median]).toEqual([1, 65287, 33283]);
    expect(wrong.median).toBeGreaterThan(10_000);
  });

  it('fails clearly, and quickly, on the file truncated anywhere', () => {
    const bytes = realBytes();
    const offsets = new Set<number>([0, 1, 3, 4, 5, 20, 39, 40, 45, 52, 200, 1079, 1338, 1692, 5663, 7481, 7546, 7560, 224671, 961959, 1699243, bytes.length - 1]);
    for (let i = 1; i < 120; i++) offsets.add(Math.floor((i * bytes.length) / 120));
    for (let o = 5; o < 7600; o += 61) offsets.add(o);
    const started = performance.now();
    let slowest = 0;
    for (const offset of offsets) {
      const t0 = performance.now();
      const err = inputError(() => parseKinectRecording(bytes.subarray(0, offset)));
      slowest = Math.max(slowest, performance.now() - t0);
      expectOneLine(err);
      if (offset >= 4) expect(err.code, `cut at ${offset}: ${err.message}`).toBe('corrupt-input');
    }
    expect(slowest).toBeLessThan(1000);
    expect(performance.now() - started).toBeLessThan(20_000);
  }, 30_000);

  it('survives random bit flips in the header and blocks: a parse or an InputError, never anything else', () => {
    const bytes = realBytes();
    const random = rng(20240521);
    let rejected = 0;
    for (let i = 0; i < 160; i++) {
      const copy = bytes.slice();
      // Mostly the metadata (first 7600 bytes: header, tracks, attachment, tags, IMU cluster), some anywhere.
      const at = i % 4 === 3 ? Math.floor(random() * copy.length) : Math.floor(random() * 7600);
      copy[at]! ^= 1 << Math.floor(random() * 8);
      try {
        const rec = parseKinectRecording(copy);
        expect(rec.captures.length).toBeGreaterThan(0);
      } catch (err) {
        if (!(err instanceof InputError)) throw new Error(`flip at byte ${at}: ${String(err)}`, { cause: err });
        expectOneLine(err);
        rejected++;
      }
    }
    expect(rejected).toBeGreaterThan(10);
  }, 30_000);

  it('rejects a flipped EBML magic, DocType and depth mode', () => {
    const bytes = realBytes();
    const flipped = (at: number, value: number): Uint8Array => {
      const copy = bytes.slice();
      copy[at] = value;
      return copy;
    };
    expect(inputError(() => parseKinectRecording(flipped(0, 0x1b))).code).toBe('unsupported-input');
    const docType = new TextDecoder('latin1').decode(bytes.subarray(0, 40)).indexOf('matroska');
    expect(inputError(() => parseKinectRecording(flipped(docType, 0x6e))).message).toMatch(/natroska/);
    const mode = new TextDecoder('latin1').decode(bytes.subarray(0, 8000)).indexOf('NFOV_UNBINNED');
    expect(inputError(() => parseKinectRecording(flipped(mode, 0x57))).message).toMatch(/depth mode WFOV_UNBINNED|WFOV_UNBINNED/);
  });
});

describe('synthetic k4arecorder-like recordings (buildRecording)', () => {
  it('pairs N captures in order, each with colour, depth and IR at the written times', () => {
    const built = buildRecording({ captures: 5, fps: 30 });
    const rec = parseKinectRecording(built.bytes);
    expect(rec.captures).toHaveLength(5);
    rec.captures.forEach((capture, i) => {
      expect(capture.color?.timestampUs).toBe(built.captures[i]!.colorUs);
      expect(capture.depth?.timestampUs).toBe(built.captures[i]!.depthUs);
      expect(capture.ir?.timestampUs).toBe(built.captures[i]!.irUs);
      expect(firstMismatch(decodeB16g(capture.depth!), built.depth[i]!)).toBe(-1);
      expect(firstMismatch(decodeB16g(capture.ir!), built.ir[i]!)).toBe(-1);
      expect(firstMismatch(capture.color!.data, built.color[i]!)).toBe(-1);
    });
    const times = rec.captures.map((c) => c.color!.timestampUs);
    expect(times).toEqual([...times].sort((a, b) => a - b));
    expect(rec.tracks.color?.uid).toBe(226376802450399186n);
    expect(rec.tracks.depth).toMatchObject({ width: 320, height: 288, fourcc: 'b16g' });
    expect(rec.calibrationJson).toContain('CALIBRATION_CameraPurposeDepth');
  });

  it('reads UIDs above 2^53 exactly and finds tracks by the K4A_*_TRACK tag, not the order', () => {
    const uids = { color: 18446744073709551557n, depth: 9007199254740993n, ir: 9007199254740995n };
    const rec = parseKinectRecording(buildRecording({ uids }).bytes);
    expect(rec.tracks.color?.uid).toBe(uids.color);
    expect(rec.tracks.depth?.uid).toBe(uids.depth);
    expect(rec.tracks.ir?.uid).toBe(uids.ir);
    expect(rec.tags.get('K4A_DEPTH_TRACK')).toBe('9007199254740993');
  });

  it.each([5, 15, 30] as const)('pairs captures at %i fps', (fps) => {
    const built = buildRecording({ captures: 3, fps, depthMode: 'NFOV_2X2BINNED' });
    const rec = parseKinectRecording(built.bytes);
    expect(rec.captures.map((c) => [c.color?.timestampUs, c.depth?.timestampUs])).toEqual(built.captures.map((c) => [c.colorUs, c.depthUs]));
  });

  it.each([20_000_000n, -20_000_000n])('applies K4A_DEPTH_DELAY_NS %s to the sync times (beyond half a frame at 30 fps)', (delay) => {
    // Depth lags colour by 20 ms; half a 30 fps frame is 16.7 ms, so pairing by raw times
    // would put colour i with depth i−1 (or i+1) — only the delay-shifted sync times pair them right.
    const built = buildRecording({ captures: 4, fps: 30, depthDelayNs: delay });
    const rec = parseKinectRecording(built.bytes);
    expect(rec.depthDelayNs).toBe(delay);
    expect(rec.captures).toHaveLength(4);
    for (const capture of rec.captures) {
      expect(capture.depth!.timestampUs - capture.color!.timestampUs).toBe(Number(delay / 1000n));
      expect(capture.ir!.timestampUs).toBe(capture.depth!.timestampUs);
    }
  });

  it('gives a depth-only capture where the colour image was dropped, and colour+IR where depth was', () => {
    const built = buildRecording({ captures: 4, dropColor: [1], dropDepth: [2] });
    const rec = parseKinectRecording(built.bytes);
    expect(rec.captures.map((c) => [!!c.color, !!c.depth, !!c.ir])).toEqual([
      [true, true, true],
      [false, true, true],
      [true, false, true],
      [true, true, true],
    ]);
    expect(rec.captures[1]!.depth!.timestampUs).toBe(built.captures[1]!.depthUs);
  });

  it('pairs blocks of one capture split across clusters, written depth-first, or in BlockGroups', () => {
    const built = buildRecording({ captures: 5, splitCluster: [1, 3], depthFirst: [2], blockGroup: [0, 3, 4] });
    const rec = parseKinectRecording(built.bytes);
    expect(rec.captures).toHaveLength(5);
    rec.captures.forEach((capture, i) => {
      expect([capture.color?.timestampUs, capture.depth?.timestampUs, capture.ir?.timestampUs]).toEqual([
        built.captures[i]!.colorUs,
        built.captures[i]!.depthUs,
        built.captures[i]!.irUs,
      ]);
      expect(firstMismatch(decodeB16g(capture.depth!), built.depth[i]!)).toBe(-1);
    });
  });

  it('carries MJPG, NV12 and YUY2 colour blocks as stored', () => {
    const mjpg = parseKinectRecording(buildRecording({ colorFormat: 'MJPG' }).bytes);
    expect(mjpg.tracks.color).toMatchObject({ fourcc: 'MJPG', width: TINY_JPEG.width, height: TINY_JPEG.height });
    expect(mjpg.captures[0]!.color!.data).toEqual(tinyJpeg());
    for (const format of ['NV12', 'YUY2'] as const) {
      const built = buildRecording({ colorFormat: format, colorWidth: 32, colorHeight: 16 });
      const rec = parseKinectRecording(built.bytes);
      expect(rec.captures[2]!.color!.format).toBe(format);
      expect(rec.captures[2]!.color!.data).toEqual(built.color[2]);
    }
  });

  it('reads a recording without a colour track, and one without IR', () => {
    const noColor = parseKinectRecording(buildRecording({ colorFormat: null }).bytes);
    expect(noColor.tracks.color).toBeUndefined();
    expect(noColor.captures.every((c) => !c.color && c.depth && c.ir)).toBe(true);
    const noIr = parseKinectRecording(buildRecording({ ir: false, imu: false }).bytes);
    expect(noIr.tracks.ir).toBeUndefined();
    expect(noIr.tracks.imu).toBeUndefined();
    expect(noIr.captures.every((c) => c.color && c.depth && !c.ir)).toBe(true);
  });
});

describe('malformed input', () => {
  it('rejects non-MKV bytes as unsupported-input', () => {
    const random = rng(7);
    const junk = Uint8Array.from({ length: 4096 }, () => Math.floor(random() * 256));
    for (const bytes of [new Uint8Array(0), new TextEncoder().encode('hello, not a video\n'), Uint8Array.of(0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a), junk]) {
      const err = inputError(() => parseKinectRecording(bytes));
      expect(err.code).toBe('unsupported-input');
      expectOneLine(err);
    }
  });

  it('rejects a Matroska file without K4A tags as unsupported-input', () => {
    const err = inputError(() => parseKinectRecording(buildRecording({ k4aTags: false }).bytes));
    expect(err.code).toBe('unsupported-input');
    expect(err.message).toMatch(/K4A_/);
    expectOneLine(err);
  });

  it.each([
    ['depth', 320 * 288 * 2 - 2, /b16g depth block .* 184318 bytes, expected 184320/],
    ['ir', 100, /b16g ir block .* 100 bytes/],
    ['color', 64 * 48 * 4 - 1, /BGRA color block .* 12287 bytes, expected 12288/],
  ] as const)('rejects a %s block of the wrong size (%i bytes)', (role, bytes, message) => {
    const err = inputError(() => parseKinectRecording(buildRecording({ badBlock: { capture: 1, role, bytes } }).bytes));
    expect(err.code).toBe('corrupt-input');
    expect(err.message).toMatch(message);
    expectOneLine(err);
  });

  it('fails with corrupt-input on a synthetic recording truncated at every 997th byte', () => {
    const { bytes } = buildRecording({ captures: 2, blockGroup: [1] });
    const started = performance.now();
    let cuts = 0;
    for (let offset = 4; offset < bytes.length; offset += 997) {
      const err = inputError(() => parseKinectRecording(bytes.subarray(0, offset)));
      expect(err.code, `cut at ${offset}: ${err.message}`).toBe('corrupt-input');
      cuts++;
    }
    expect(cuts).toBeGreaterThan(500);
    expect(performance.now() - started).toBeLessThan(25_000);
  }, 30_000);

  it('decodeB16g rejects a non-b16g image and a wrong byte count', () => {
    const image = (format: KinectImage['format'], bytes: number): KinectImage => ({ format, width: 4, height: 2, timestampUs: 0, data: new Uint8Array(bytes) });
    expect(inputError(() => decodeB16g(image('BGRA', 32))).code).toBe('unsupported-input');
    expect(inputError(() => decodeB16g(image('b16g', 15))).code).toBe('corrupt-input');
    expect(Array.from(decodeB16g({ ...image('b16g', 16), data: Uint8Array.of(1, 2, 0, 0, 0xff, 0xfe, 0, 1, 0, 0, 0, 0, 0, 0, 0x12, 0x34) }))).toEqual([
      0x0102, 0, 0xfffe, 1, 0, 0, 0, 0x1234,
    ]);
  });
});

describe('yuy2ToI420', () => {
  it('splits Y0 U Y1 V into planes, averaging chroma over row pairs', () => {
    // 4×2: row 0 = Y 10,20,30,40 U 100,110 V 200,210; row 1 = Y 50..80, U 102,113, V 201,214.
    const yuy2 = Uint8Array.of(10, 100, 20, 200, 30, 110, 40, 210, 50, 102, 60, 201, 70, 113, 80, 214);
    expect(Array.from(yuy2ToI420(yuy2, 4, 2))).toEqual([10, 20, 30, 40, 50, 60, 70, 80, 101, 112, 201, 212]);
  });

  it('keeps the last row alone for an odd height', () => {
    const yuy2 = Uint8Array.of(1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12);
    // 2×3: chroma rows (0,1) and (2): U (2+6+1)>>1 = 4, 10; V (4+8+1)>>1 = 6, 12.
    expect(Array.from(yuy2ToI420(yuy2, 2, 3))).toEqual([1, 3, 5, 7, 9, 11, 4, 10, 6, 12]);
  });

  it('rejects an odd width and a wrong byte count', () => {
    expect(inputError(() => yuy2ToI420(new Uint8Array(6), 3, 1)).code).toBe('corrupt-input');
    expect(inputError(() => yuy2ToI420(new Uint8Array(15), 4, 2)).message).toMatch(/15 bytes, expected 16/);
  });
});
