import { describe, expect, it } from 'vitest';
import { checkAlpha, greyToAlpha, maskToAlpha, recoverAlpha } from '../../scripts/lib/bench/alpha';
import { cpuPerFrame, fpsRatio, stageMedians, summariseTimes } from '../../scripts/lib/bench/figures';
import { makePlan, parseBenchArgs, parseSizes, QUICK_STILLS } from '../../scripts/lib/bench/plan';
import { planSegments, rowIndices, type ClipSource } from '../../scripts/lib/bench/sequences';
import { SYSTEMS } from '../../scripts/lib/bench/systems';
import { DASH, fixed, formatTable, sig3, type TableRow } from '../../scripts/lib/bench/table';

describe('timing figures', () => {
  it('summarises per-frame times: fps from the summed time, nearest-rank median and p95', () => {
    const s = summariseTimes([100, 200, 300, 400]);
    expect(s.frames).toBe(4);
    expect(s.fps).toBeCloseTo(4000 / 1000, 12);
    expect(s.medianMs).toBe(200);
    expect(s.p95Ms).toBe(400);
    expect(s.meanMs).toBe(250);
  });

  it('rejects an empty list and bad times', () => {
    expect(() => summariseTimes([])).toThrow(RangeError);
    expect(() => summariseTimes([1, -1])).toThrow(RangeError);
    expect(() => summariseTimes([Number.NaN])).toThrow(RangeError);
  });

  it('divides fps by the peer over the frames both timed', () => {
    const ours = [
      { index: 0, ms: 50 },
      { index: 2, ms: 50 },
    ];
    const theirs = [
      { index: 0, ms: 100 },
      { index: 1, ms: 1 },
      { index: 2, ms: 100 },
    ];
    const r = fpsRatio(ours, theirs, 'twilio-image');
    expect(r.frames).toEqual([0, 2]);
    expect(r.ours).toBeCloseTo(20, 12);
    expect(r.theirs).toBeCloseTo(10, 12);
    expect(r.value).toBeCloseTo(2, 12);
    expect(r.peer).toBe('twilio-image');
    expect(() => fpsRatio(ours, [{ index: 5, ms: 1 }], 'x')).toThrow(/no frame/);
  });

  it('gives CPU ms per frame: main thread, the rest of the renderer, the GPU process', () => {
    const c = cpuPerFrame({ mainS: 1, rendererS: 2, gpuProcessS: 10 }, { mainS: 1.2, rendererS: 2.6, gpuProcessS: 10.4 }, 4);
    expect(c.main).toBeCloseTo(50, 9);
    expect(c.workers).toBeCloseTo(100, 9);
    expect(c.gpuProcess).toBeCloseTo(100, 9);
    // Counter resolution can make the rest negative by a tick: clamped.
    expect(cpuPerFrame({ mainS: 0, rendererS: 0, gpuProcessS: null }, { mainS: 0.02, rendererS: 0.01, gpuProcessS: null }, 1)).toEqual({ main: 20, workers: 0, gpuProcess: null });
    expect(() => cpuPerFrame({ mainS: 0, rendererS: 0, gpuProcessS: 0 }, { mainS: 0, rendererS: 0, gpuProcessS: 0 }, 0)).toThrow(RangeError);
  });

  it('takes per-stage medians over the stages every frame reports, null without any', () => {
    expect(stageMedians([undefined, undefined])).toBeNull();
    expect(stageMedians([{}, undefined])).toBeNull();
    expect(stageMedians([{ a: 1, b: 5 }, { a: 3 }, { a: 2, b: 7 }])).toEqual({ a: 2 });
  });
});

/** Composites as Twilio's 2D canvas makes them: premultiplied person layer P = round(α·I), then B under it. */
function composite(alpha: number[], input: number[], background: number): Uint8Array {
  const out = new Uint8Array(alpha.length * 4);
  alpha.forEach((a, i) => {
    const A = Math.round(a * 255);
    for (let c = 0; c < 3; c++) out[i * 4 + c] = Math.round((A / 255) * input[i * 4 + c]!) + Math.round(((255 - A) / 255) * background);
    out[i * 4 + 3] = 255;
  });
  return out;
}

describe('Twilio alpha recovery', () => {
  const alpha = [0, 0.2, 0.5, 0.9, 1];
  const input = [10, 200, 30, 255, 255, 255, 255, 255, 0, 0, 0, 255, 90, 180, 60, 255, 250, 5, 128, 255];

  it('recovers α from the composites over black and white, in 8-bit steps, whatever the frame', () => {
    const black = composite(alpha, input, 0);
    const white = composite(alpha, input, 255);
    const a = recoverAlpha(black, white, 5, 1);
    expect(a.width).toBe(5);
    a.alpha.forEach((v, i) => expect(v).toBeCloseTo(Math.round(alpha[i]! * 255) / 255, 12));
  });

  it('checks the linear model: no residual, no channel spread, all opaque', () => {
    const black = composite(alpha, input, 0);
    const white = composite(alpha, input, 255);
    const check = checkAlpha(black, white, Uint8Array.from(input), recoverAlpha(black, white, 5, 1));
    expect(check.notOpaque).toBe(0);
    expect(check.meanResidual).toBeLessThan(0.5);
    expect(check.meanChannelSpread).toBe(0);
  });

  it('counts pixels that are not opaque (the background was missing)', () => {
    const black = composite(alpha, input, 0);
    const white = composite(alpha, input, 255);
    black[3] = 0;
    expect(checkAlpha(black, white, Uint8Array.from(input), recoverAlpha(black, white, 5, 1)).notOpaque).toBe(1);
  });

  it('clamps and rejects mismatched sizes', () => {
    const black = new Uint8Array([255, 255, 255, 255]);
    const white = new Uint8Array([0, 0, 0, 255]);
    expect(recoverAlpha(black, white, 1, 1).alpha[0]).toBe(1);
    expect(() => recoverAlpha(black, white, 2, 1)).toThrow(RangeError);
  });

  it('turns a float mask and a grey matte into 0..1 predictions', () => {
    const f = new Float32Array([-0.5, 0.25, 1.5, 1]);
    const m = maskToAlpha(new Uint8Array(f.buffer), 2, 2);
    expect([...m.alpha]).toEqual([0, 0.25, 1, 1]);
    expect(() => maskToAlpha(new Uint8Array(12), 2, 2)).toThrow(RangeError);
    expect([...greyToAlpha(new Uint8Array([0, 255]), 2, 1).alpha]).toEqual([0, 1]);
    expect(() => greyToAlpha(new Uint8Array(3), 2, 1)).toThrow(RangeError);
  });
});

describe('bench arguments and plan', () => {
  const set = { stills: ['dev_00_0', 'dev_01_1', 'dev_02_2', 'dev_03_0', 'dev_04_1', 'dev_05_2', 'dev_05_0'], clips: ['dev_clip0', 'dev_clip1'] };

  it('parses sizes and rejects malformed, odd, out-of-range or repeated ones', () => {
    expect(parseSizes('640x360,1280x720')).toEqual([
      { width: 640, height: 360 },
      { width: 1280, height: 720 },
    ]);
    expect(() => parseSizes('640by360')).toThrow(/not WIDTHxHEIGHT/);
    expect(() => parseSizes('641x360')).toThrow(/odd/);
    expect(() => parseSizes('8x8')).toThrow(/outside/);
    expect(() => parseSizes('640x360,640x360')).toThrow(/twice/);
  });

  it('rejects bad flags with one-line messages', () => {
    expect(() => parseBenchArgs(['--frames', '0'])).toThrow(/--frames/);
    expect(() => parseBenchArgs(['--frames', '2.5'])).toThrow(/--frames/);
    expect(() => parseBenchArgs(['--systems', 'ours-blur,nope'])).toThrow(/unknown system "nope"/);
    expect(() => parseBenchArgs(['--timeout', '-1'])).toThrow(/--timeout/);
    expect(() => parseBenchArgs(['--json', ''])).toThrow(/--json/);
    expect(() => parseBenchArgs(['--bogus'])).toThrow();
  });

  it('defaults: three sizes, bench.json, every system, 30 frames, all stills and clips', () => {
    const args = parseBenchArgs([]);
    expect(args.json).toBe('bench.json');
    expect(args.sizes.map((s) => `${s.width}x${s.height}`)).toEqual(['640x360', '1280x720', '1920x1080']);
    const plan = makePlan(args, set, new Set(['rvm']));
    expect(plan.sizes.every((s) => s.frames === 30 && s.systems.length === SYSTEMS.length)).toBe(true);
    expect(plan.quality.stills).toEqual(set.stills);
    expect(plan.quality.clips).toEqual(set.clips);
    expect(plan.quality.ids).toContain('ours-onnx');
    expect(plan.refine?.sizes).toHaveLength(3);
  });

  it('--quick: fewer frames as sizes grow, onnx-webgpu blur at the first size only, a still per cutout, one clip', () => {
    const plan = makePlan(parseBenchArgs(['--quick']), set);
    expect(plan.sizes.map((s) => s.frames)).toEqual([16, 6, 4]);
    const onnx = plan.sizes.map((s) => s.systems.filter((x) => x.backend === 'onnx-webgpu').map((x) => x.id));
    expect(onnx).toEqual([['ours-blur-onnx'], [], []]);
    expect(plan.slowFrames).toEqual({ frames: 3, warmup: 1 });
    expect(plan.quality.stills).toEqual([...QUICK_STILLS]);
    expect(plan.quality.clips).toEqual(['dev_clip0']);
    expect(plan.quality.ids.some((id) => id.endsWith('-onnx'))).toBe(false);
    expect(plan.refine).toEqual({ sizes: [{ width: 640, height: 360 }], rounds: 3 });
    expect(plan.notes.join('\n')).toMatch(/onnx-webgpu/);
  });

  it('leaves out the RVM rows when the model is not installed, and refuses to run them by name', () => {
    const plan = makePlan(parseBenchArgs([]), set);
    const rvmRows = SYSTEMS.filter((s) => s.needsModel === 'rvm').map((s) => s.id);
    expect(rvmRows).toEqual(['rvm-alone', 'ours-image-rvm']);
    expect(plan.sizes.every((s) => s.systems.length === SYSTEMS.length - 2 && s.systems.every((x) => x.needsModel === null))).toBe(true);
    expect(plan.quality.ids).not.toContain('ours-rvm');
    expect(plan.notes.join('\n')).toMatch(/not run: rvm-alone, ours-image-rvm \(model not installed: npm run models:fetch -- rvm\)/);
    expect(() => makePlan(parseBenchArgs(['--systems', 'ours-image-rvm']), set)).toThrow(/ours-image-rvm needs the rvm model.*models:fetch -- rvm/);
  });

  it('--quick with RVM installed: its rows only when named, at the first size, their mattes scored then', () => {
    const installed = new Set(['rvm']);
    const quick = makePlan(parseBenchArgs(['--quick']), set, installed);
    expect(quick.sizes.flatMap((s) => s.systems).some((x) => x.needsModel === 'rvm')).toBe(false);
    expect(quick.quality.ids.some((id) => id === 'ours-rvm' || id === 'rvm-alone')).toBe(false);
    const named = makePlan(parseBenchArgs(['--quick', '--systems', 'rvm-alone,ours-image-rvm,twilio-image']), set, installed);
    expect(named.sizes.map((s) => s.systems.map((x) => x.id))).toEqual([['rvm-alone', 'ours-image-rvm', 'twilio-image'], ['twilio-image'], ['twilio-image']]);
    expect(named.slowFrames).toEqual({ frames: 3, warmup: 1 });
    expect(named.quality.ids).toEqual(['ours-rvm', 'rvm-alone', 'twilio']);
  });

  it('--quick --gpu runs the onnx-webgpu rows everywhere', () => {
    const plan = makePlan(parseBenchArgs(['--quick', '--gpu']), set, new Set(['rvm']));
    expect(plan.sizes.every((s) => s.systems.length === SYSTEMS.length)).toBe(true);
    expect(plan.slowFrames).toBeNull();
  });

  it('honours --systems, --frames, --stills, --clips and --no-refine, and rejects unknown ids', () => {
    const plan = makePlan(parseBenchArgs(['--sizes', '640x360', '--frames', '3', '--systems', 'ours-blur,twilio-blur,tasks-vision', '--stills', 'dev_00_0', '--clips', 'none', '--no-refine']), set);
    expect(plan.sizes[0]!.systems.map((s) => s.id)).toEqual(['ours-blur', 'twilio-blur', 'tasks-vision']);
    expect(plan.sizes[0]!.frames).toBe(3);
    expect(plan.quality).toEqual({ ids: ['ours', 'twilio', 'tasks-vision'], stills: ['dev_00_0'], clips: [] });
    expect(plan.refine).toBeNull();
    expect(() => makePlan(parseBenchArgs(['--stills', 'nope']), set)).toThrow(/"nope" not in/);
  });
});

describe('bench frames', () => {
  const sources: ClipSource[] = [
    { id: 'dev_clip0', path: 'a.y4m', plate: 'a.png' },
    { id: 'webcam/again', path: 'b.mkv', plate: null },
    { id: 'dev_clip1', path: 'c.y4m', plate: 'c.png' },
    { id: 'webcam/bird', path: 'd.mkv', plate: null },
  ];

  it('splits frames into segments alternating sources, at least two', () => {
    expect(planSegments(8, sources).map((s) => [s.source.id, s.frames])).toEqual([
      ['dev_clip0', 4],
      ['webcam/again', 4],
    ]);
    expect(planSegments(3, sources).map((s) => s.frames)).toEqual([2, 1]);
    expect(planSegments(1, sources).map((s) => s.frames)).toEqual([1]);
    const thirty = planSegments(30, sources);
    expect(thirty.map((s) => s.frames)).toEqual([8, 8, 7, 7]);
    expect(() => planSegments(0, sources)).toThrow(RangeError);
  });

  it('runs a row on every frame (plate rows: those with a plate), warm-up first', () => {
    const seq = { plateOf: ['p0', 'p0', null, null, 'p1'] };
    expect(rowIndices(seq, 2, false)).toEqual({ warmup: [0, 1], timed: [0, 1, 2, 3, 4] });
    expect(rowIndices(seq, 1, true)).toEqual({ warmup: [0], timed: [0, 1, 4] });
    expect(() => rowIndices({ plateOf: [null] }, 1, true)).toThrow(/plate/);
  });
});

describe('bench table', () => {
  const row: TableRow = {
    system: 'ours-blur',
    mode: 'blur',
    backend: 'tasks-vision',
    frames: 8,
    fps: 12.345,
    medianMs: 80.04,
    p95Ms: 123.4,
    gpuMs: null,
    cpuMainMs: 1.5,
    cpuWorkersMs: 40,
    cpuGpuProcessMs: null,
    heapMB: 10.25,
    gpuMemMB: Number.NaN,
    ratio: 2.5,
    sad: 12.0234,
    bandSad: 6.5,
    iou: 0.93912,
    dtssd: null,
  };

  it('prints about three significant digits, and a dash for what was not measured', () => {
    expect(sig3(1234.5)).toBe('1235');
    expect(sig3(12.345)).toBe('12.3');
    expect(sig3(1.2345)).toBe('1.23');
    expect(sig3(0.12345)).toBe('0.123');
    expect(sig3(null)).toBe(DASH);
    expect(sig3(Number.POSITIVE_INFINITY)).toBe(DASH);
    expect(fixed(Number.NaN, 2)).toBe(DASH);
  });

  it('aligns the columns under their heads', () => {
    const text = formatTable('640×360', [row, { ...row, system: 'twilio-blur', ratio: null }]);
    const lines = text.split('\n');
    expect(lines[0]).toBe('640×360');
    expect(lines[1]).toMatch(/^system\s+mode\s+backend\s+frames\s+fps\s+med ms\s+p95 ms\s+GPU ms/);
    expect(lines[3]).toContain('12.3');
    expect(lines[3]).toContain('2.50×');
    expect(lines[3]).toContain('0.939');
    expect(lines[4]).toContain(DASH);
    // Every row as long as the header or shorter (trailing spaces trimmed), columns at the same offsets.
    const fpsAt = lines[1]!.indexOf('fps') + 'fps'.length;
    expect(lines[3]!.slice(0, fpsAt).endsWith('12.3')).toBe(true);
  });
});
