// scripts/lib/tflite: the TFLite reader and the TFLite → ONNX converter. The real models are
// parsed and converted; each operator mapping is checked numerically on tiny synthetic
// TFLite graphs (written here with flatbuffers' Builder), run through onnxruntime-web (wasm)
// and compared with plain NHWC loops that restate the TFLite kernels.
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { Builder } from 'flatbuffers';
import * as ort from 'onnxruntime-web';
import { beforeAll, describe, expect, it } from 'vitest';
import { parseManifest } from '../../src/models/manifest';
import { decodeModel } from '../../src/models/onnx/graph';
import { CONVERTER_VERSION, convertTfliteToOnnx, samePadding, TfliteConversionError } from '../../scripts/lib/tflite/convert';
import { builtinName, readTflite, TensorType, TfliteFormatError } from '../../scripts/lib/tflite/schema';
import { rng } from '../gpu/cases/rng';

const ROOT = resolve(import.meta.dirname, '../..');
const LANDSCAPE = join(ROOT, 'public/models/selfie_segmentation_landscape.tflite');
const SQUARE = resolve(ROOT, '../shared/models/selfie_segmenter.tflite');

/** The square model lives in ../shared: fail under CI=true when it is missing, else skip saying why. */
const squareMissing = existsSync(SQUARE) ? null : `${SQUARE} is missing (../shared beside the checkout holds the reference models)`;
if (squareMissing && process.env.CI === 'true') throw new Error(`tfliteConvert: ${squareMissing}`);
if (squareMissing) console.log(`skipped: square selfie segmenter tests: ${squareMissing}`);

beforeAll(() => {
  ort.env.wasm.numThreads = 1;
});

// ---------------------------------------------------------------------------------------
// A small TFLite writer for synthetic graphs (schema.fbs field numbers, as the reader uses).

/** NHWC tensor: shape and row-major values. */
interface Nhwc {
  shape: [number, number, number, number];
  data: Float32Array;
}

interface SynthTensor {
  shape: number[];
  type?: number;
  /** Constant contents (little-endian bytes), or none for runtime tensors. */
  data?: Uint8Array;
}

/** A builtin options field: [field index, kind, value]. */
type OptionField = [number, 'i8' | 'i32' | 'bool', number];

interface SynthOp {
  builtin: number;
  custom?: string;
  inputs: number[];
  outputs: number[];
  optionsType?: number;
  options?: OptionField[];
  customOptions?: Uint8Array;
}

interface SynthModel {
  tensors: SynthTensor[];
  ops: SynthOp[];
  inputs: number[];
  outputs: number[];
}

const OP = {
  ADD: 0, AVERAGE_POOL_2D: 1, CONCATENATION: 2, CONV_2D: 3, DEPTHWISE_CONV_2D: 4, DEQUANTIZE: 6, LOGISTIC: 14,
  MAX_POOL_2D: 17, MUL: 18, RELU: 19, RELU6: 21, RESHAPE: 22, RESIZE_BILINEAR: 23, CUSTOM: 32, MEAN: 40,
  TRANSPOSE_CONV: 67, HARD_SWISH: 117, GELU: 150,
} as const;
/** BuiltinOptions union types. */
const OPT = { Conv2D: 1, DepthwiseConv2D: 2, Pool2D: 5, Concatenation: 10, Add: 11, ResizeBilinear: 15, Mul: 21, Reducer: 27, TransposeConv: 49 } as const;
const SAME = 0;
const VALID = 1;

function writeTflite(m: SynthModel): Uint8Array {
  const b = new Builder(1024);
  const int32s = (values: readonly number[]): number => {
    b.startVector(4, values.length, 4);
    for (let i = values.length - 1; i >= 0; i--) b.addInt32(values[i]!);
    return b.endVector();
  };
  const offsets = (values: readonly number[]): number => {
    b.startVector(4, values.length, 4);
    for (let i = values.length - 1; i >= 0; i--) b.addOffset(values[i]!);
    return b.endVector();
  };
  // Buffer 0 is the empty sentinel; each constant gets its own buffer.
  const bufferOf: number[] = [];
  b.startObject(3);
  const buffers = [b.endObject()];
  for (const t of m.tensors) {
    if (!t.data) {
      bufferOf.push(0);
      continue;
    }
    const data = b.createByteVector(t.data);
    b.startObject(3);
    b.addFieldOffset(0, data, 0);
    bufferOf.push(buffers.length);
    buffers.push(b.endObject());
  }
  const tensors = m.tensors.map((t, i) => {
    const shape = int32s(t.shape);
    const name = b.createString(`tensor${i}`);
    b.startObject(5);
    b.addFieldOffset(0, shape, 0);
    b.addFieldInt8(1, t.type ?? TensorType.FLOAT32, 0);
    b.addFieldInt32(2, bufferOf[i]!, 0);
    b.addFieldOffset(3, name, 0);
    return b.endObject();
  });
  const codeKeys = [...new Set(m.ops.map((o) => `${o.builtin}:${o.custom ?? ''}`))];
  const ops = m.ops.map((o) => {
    let options = 0;
    if (o.options) {
      b.startObject(8);
      for (const [field, kind, value] of o.options) {
        if (kind === 'i32') b.addFieldInt32(field, value, null);
        else b.addFieldInt8(field, value, null);
      }
      options = b.endObject();
    }
    const custom = o.customOptions ? b.createByteVector(o.customOptions) : 0;
    const inputs = int32s(o.inputs);
    const outputs = int32s(o.outputs);
    b.startObject(6);
    b.addFieldInt32(0, codeKeys.indexOf(`${o.builtin}:${o.custom ?? ''}`), 0);
    b.addFieldOffset(1, inputs, 0);
    b.addFieldOffset(2, outputs, 0);
    b.addFieldInt8(3, o.optionsType ?? 0, 0);
    b.addFieldOffset(4, options, 0);
    b.addFieldOffset(5, custom, 0);
    return b.endObject();
  });
  const codes = codeKeys.map((key) => {
    const [code, custom] = key.split(':') as [string, string];
    const customName = custom ? b.createString(custom) : 0;
    b.startObject(4);
    // Codes above 127 keep 127 (PLACEHOLDER_FOR_GREATER_OP_CODES) in the deprecated int8 field.
    b.addFieldInt8(0, Math.min(Number(code), 127), 0);
    b.addFieldOffset(1, customName, 0);
    b.addFieldInt32(2, 1, 1);
    b.addFieldInt32(3, Number(code), 0);
    return b.endObject();
  });
  const sgTensors = offsets(tensors);
  const sgInputs = int32s(m.inputs);
  const sgOutputs = int32s(m.outputs);
  const sgOps = offsets(ops);
  b.startObject(5);
  b.addFieldOffset(0, sgTensors, 0);
  b.addFieldOffset(1, sgInputs, 0);
  b.addFieldOffset(2, sgOutputs, 0);
  b.addFieldOffset(3, sgOps, 0);
  const subgraph = b.endObject();
  const codesVec = offsets(codes);
  const subgraphs = offsets([subgraph]);
  const description = b.createString('synthetic test graph');
  const buffersVec = offsets(buffers);
  b.startObject(8);
  b.addFieldInt32(0, 3, 0);
  b.addFieldOffset(1, codesVec, 0);
  b.addFieldOffset(2, subgraphs, 0);
  b.addFieldOffset(3, description, 0);
  b.addFieldOffset(4, buffersVec, 0);
  b.finish(b.endObject(), 'TFL3');
  return b.asUint8Array().slice();
}

const f32Bytes = (v: ArrayLike<number>): Uint8Array => new Uint8Array(Float32Array.from(v).buffer);
const i32Bytes = (v: readonly number[]): Uint8Array => new Uint8Array(Int32Array.from(v).buffer);

/** IEEE half bits of a value that float16 holds exactly (test weights are k/256). */
function exactHalf(v: number): number {
  if (v === 0) return 0;
  const sign = v < 0 ? 0x8000 : 0;
  const a = Math.abs(v);
  const e = Math.floor(Math.log2(a));
  const frac = (a / 2 ** e - 1) * 1024;
  if (e < -14 || e > 15 || !Number.isInteger(frac)) throw new Error(`${v} is not exact in float16`);
  return sign | ((e + 15) << 10) | frac;
}

const random = (n: number, r: () => number, scale = 1): Float32Array => Float32Array.from({ length: n }, () => (r() * 2 - 1) * scale);
const size = (s: readonly number[]): number => s.reduce((a, b) => a * b, 1);

// ---------------------------------------------------------------------------------------
// NHWC references (TFLite's kernels restated as plain loops, float64 accumulation).

const at = (t: Nhwc, y: number, x: number, c: number): number => t.data[(y * t.shape[2] + x) * t.shape[3] + c]!;

function nhwc(h: number, w: number, c: number, fill: (y: number, x: number, ch: number) => number): Nhwc {
  const data = new Float32Array(h * w * c);
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) for (let ch = 0; ch < c; ch++) data[(y * w + x) * c + ch] = fill(y, x, ch);
  return { shape: [1, h, w, c], data };
}

/** TFLite's padding before the image for SAME (total = (out−1)·s + k_eff − in, odd pixel after). */
function tflitePadBefore(inSize: number, k: number, s: number, d = 1): number {
  const out = Math.floor((inSize + s - 1) / s);
  return Math.floor(Math.max(0, (out - 1) * s + (k - 1) * d + 1 - inSize) / 2);
}

interface ConvRef {
  stride: [number, number];
  dilation?: [number, number];
  padding: number;
}

function outLength(padding: number, inSize: number, k: number, s: number, d = 1): number {
  return padding === SAME ? Math.ceil(inSize / s) : Math.ceil((inSize - (k - 1) * d) / s);
}

/** CONV_2D with OHWI weights; `groups` > 1 restates DEPTHWISE_CONV_2D (weights [1,kh,kw,C·M]). */
function convRef(x: Nhwc, w: Float32Array, wShape: number[], bias: Float32Array, p: ConvRef, depthwise = false): Nhwc {
  const [, H, W, C] = x.shape;
  const [sh, sw] = p.stride;
  const [dh, dw] = p.dilation ?? [1, 1];
  const kh = wShape[1]!;
  const kw = wShape[2]!;
  const O = depthwise ? wShape[3]! : wShape[0]!;
  const M = O / C;
  const oh = outLength(p.padding, H, kh, sh, dh);
  const ow = outLength(p.padding, W, kw, sw, dw);
  const pt = p.padding === SAME ? tflitePadBefore(H, kh, sh, dh) : 0;
  const pl = p.padding === SAME ? tflitePadBefore(W, kw, sw, dw) : 0;
  return nhwc(oh, ow, O, (oy, ox, o) => {
    let sum = bias[o]!;
    for (let ky = 0; ky < kh; ky++) {
      for (let kx = 0; kx < kw; kx++) {
        const iy = oy * sh - pt + ky * dh;
        const ix = ox * sw - pl + kx * dw;
        if (iy < 0 || iy >= H || ix < 0 || ix >= W) continue;
        if (depthwise) sum += at(x, iy, ix, Math.floor(o / M)) * w[(ky * kw + kx) * O + o]!;
        else for (let c = 0; c < C; c++) sum += at(x, iy, ix, c) * w[((o * kh + ky) * kw + kx) * C + c]!;
      }
    }
    return sum;
  });
}

/** Transposed convolution, OHWI weights: out[iy·s − pad + ky] += in[iy]·w[o,ky,kx,i], cropped to outH×outW. */
function transposeConvRef(x: Nhwc, w: Float32Array, wShape: number[], bias: Float32Array | null, s: [number, number], pad: [number, number], outH: number, outW: number): Nhwc {
  const [, H, W, C] = x.shape;
  const [O, kh, kw] = wShape as [number, number, number];
  const acc = new Float64Array(outH * outW * O);
  for (let i = 0; i < acc.length; i++) acc[i] = bias ? bias[i % O]! : 0;
  for (let iy = 0; iy < H; iy++) {
    for (let ix = 0; ix < W; ix++) {
      for (let ky = 0; ky < kh; ky++) {
        for (let kx = 0; kx < kw; kx++) {
          const oy = iy * s[0] - pad[0] + ky;
          const ox = ix * s[1] - pad[1] + kx;
          if (oy < 0 || oy >= outH || ox < 0 || ox >= outW) continue;
          for (let o = 0; o < O; o++) {
            let sum = 0;
            for (let c = 0; c < C; c++) sum += at(x, iy, ix, c) * w[((o * kh + ky) * kw + kx) * C + c]!;
            acc[(oy * outW + ox) * O + o]! += sum;
          }
        }
      }
    }
  }
  return { shape: [1, outH, outW, O], data: Float32Array.from(acc) };
}

/** AVERAGE_POOL_2D (mean over the in-image part of the window) or MAX_POOL_2D. */
function poolRef(x: Nhwc, k: [number, number], s: [number, number], padding: number, kind: 'avg' | 'max'): Nhwc {
  const [, H, W, C] = x.shape;
  const oh = outLength(padding, H, k[0], s[0]);
  const ow = outLength(padding, W, k[1], s[1]);
  const pt = padding === SAME ? tflitePadBefore(H, k[0], s[0]) : 0;
  const pl = padding === SAME ? tflitePadBefore(W, k[1], s[1]) : 0;
  return nhwc(oh, ow, C, (oy, ox, c) => {
    let sum = 0;
    let count = 0;
    let max = -Infinity;
    for (let iy = oy * s[0] - pt; iy < oy * s[0] - pt + k[0]; iy++) {
      for (let ix = ox * s[1] - pl; ix < ox * s[1] - pl + k[1]; ix++) {
        if (iy < 0 || iy >= H || ix < 0 || ix >= W) continue;
        sum += at(x, iy, ix, c);
        count++;
        max = Math.max(max, at(x, iy, ix, c));
      }
    }
    return kind === 'avg' ? sum / count : max;
  });
}

/** RESIZE_BILINEAR as TensorFlow computes it (legacy, align_corners or half_pixel_centers). */
function resizeRef(x: Nhwc, oh: number, ow: number, alignCorners: boolean, halfPixel: boolean): Nhwc {
  const [, H, W, C] = x.shape;
  const scale = (i: number, o: number): number => (alignCorners && o > 1 ? (i - 1) / (o - 1) : i / o);
  const source = (o: number, sc: number): number => (halfPixel ? (o + 0.5) * sc - 0.5 : o * sc);
  const sy = scale(H, oh);
  const sx = scale(W, ow);
  return nhwc(oh, ow, C, (oy, ox, c) => {
    const fy = source(oy, sy);
    const fx = source(ox, sx);
    const y0 = Math.max(Math.floor(fy), 0);
    const y1 = Math.min(Math.ceil(fy), H - 1);
    const x0 = Math.max(Math.floor(fx), 0);
    const x1 = Math.min(Math.ceil(fx), W - 1);
    const ly = fy - Math.floor(fy);
    const lx = fx - Math.floor(fx);
    const top = at(x, y0, x0, c) + (at(x, y0, x1, c) - at(x, y0, x0, c)) * lx;
    const bottom = at(x, y1, x0, c) + (at(x, y1, x1, c) - at(x, y1, x0, c)) * lx;
    return top + (bottom - top) * ly;
  });
}

function mapRef(x: Nhwc, f: (v: number, c: number) => number): Nhwc {
  const C = x.shape[3];
  return { shape: x.shape, data: x.data.map((v, i) => f(v, i % C)) };
}

const relu6 = (v: number): number => Math.min(Math.max(v, 0), 6);
const sigmoid = (v: number): number => 1 / (1 + Math.exp(-v));

// ---------------------------------------------------------------------------------------
// Running a converted model.

/** Converts, runs the ONNX model on `input` (NHWC in, NCHW fed) and returns the output as NHWC. */
async function convertAndRun(model: SynthModel, input: Nhwc): Promise<Nhwc> {
  const { onnx, report } = convertTfliteToOnnx(writeTflite(model));
  const [, H, W, C] = input.shape;
  const nchw = new Float32Array(input.data.length);
  for (let y = 0; y < H; y++) for (let x = 0; x < W; x++) for (let c = 0; c < C; c++) nchw[(c * H + y) * W + x] = at(input, y, x, c);
  const session = await ort.InferenceSession.create(onnx, { executionProviders: ['wasm'] });
  try {
    const out = (await session.run({ src: new ort.Tensor('float32', nchw, [1, C, H, W]) })).pha!;
    const [, oc, oh, ow] = out.dims as [number, number, number, number];
    expect(report.output.shape).toEqual([1, oc, oh, ow]);
    const data = out.data as Float32Array;
    return nhwc(oh, ow, oc, (y, x, c) => data[(c * oh + y) * ow + x]!);
  } finally {
    await session.release();
  }
}

function expectClose(actual: Nhwc, expected: Nhwc, tolerance = 1e-4): void {
  expect(actual.shape).toEqual(expected.shape);
  let max = 0;
  actual.data.forEach((v, i) => (max = Math.max(max, Math.abs(v - expected.data[i]!))));
  expect(max).toBeLessThanOrEqual(tolerance);
}

/** A one-operator graph: tensor 0 is the input, the last tensor the output, constants between. */
function singleOp(input: number[], output: number[], constants: SynthTensor[], op: Omit<SynthOp, 'inputs' | 'outputs'>, inputs?: number[]): SynthModel {
  const tensors = [{ shape: input }, ...constants, { shape: output }];
  return {
    tensors,
    ops: [{ ...op, inputs: inputs ?? tensors.slice(0, -1).map((_, i) => i), outputs: [tensors.length - 1] }],
    inputs: [0],
    outputs: [tensors.length - 1],
  };
}

const convOptions = (padding: number, sh: number, sw: number, activation = 0, dh = 1, dw = 1): OptionField[] => [
  [0, 'i8', padding], [1, 'i32', sw], [2, 'i32', sh], [3, 'i8', activation], [4, 'i32', dw], [5, 'i32', dh],
];

// ---------------------------------------------------------------------------------------

describe('TFLite reader', () => {
  it('lists the operators of both selfie segmenters (all of them are mapped)', () => {
    const models: [string, string][] = [['landscape', LANDSCAPE]];
    if (!squareMissing) models.push(['square', SQUARE]);
    for (const [label, path] of models) {
      const model = readTflite(new Uint8Array(readFileSync(path)));
      expect(model.subgraphs).toHaveLength(1);
      const graph = model.subgraphs[0]!;
      const counts: Record<string, number> = {};
      for (const op of graph.operators) {
        const code = model.operatorCodes[op.opcodeIndex]!;
        const name = code.customCode ?? builtinName(code.builtinCode);
        counts[name] = (counts[name] ?? 0) + 1;
      }
      console.log(`${label} (${path}): ${graph.operators.length} operators`, counts);
      const input = graph.tensors[graph.inputs[0]!]!;
      const output = graph.tensors[graph.outputs[0]!]!;
      expect(input.type).toBe(TensorType.FLOAT32);
      expect(input.shape).toEqual(label === 'landscape' ? [1, 144, 256, 3] : [1, 256, 256, 3]);
      expect(output.shape).toEqual(label === 'landscape' ? [1, 144, 256, 1] : [1, 256, 256, 1]);
      expect(model.metadata.map((m) => m.name)).toContain('TFLITE_METADATA');
      // Every operator the model holds converts (the converter throws on the first one it cannot).
      const { report } = convertTfliteToOnnx(new Uint8Array(readFileSync(path)));
      expect(report.tfliteOperators).toEqual(Object.fromEntries(Object.entries(counts).sort(([a], [b]) => a.localeCompare(b))));
    }
  });

  it('rejects bytes that are not a TFLite model', () => {
    expect(() => readTflite(new TextEncoder().encode('definitely not a flatbuffer'))).toThrow(TfliteFormatError);
    expect(() => readTflite(new Uint8Array(4))).toThrow(/not a TFLite model/);
  });

  it('reads builtin codes above 127 from builtin_code (deprecated_builtin_code holds 127)', () => {
    const model = readTflite(writeTflite(singleOp([1, 2, 2, 3], [1, 2, 2, 3], [], { builtin: OP.GELU })));
    expect(model.operatorCodes[0]!.builtinCode).toBe(OP.GELU);
    expect(builtinName(OP.GELU)).toBe('GELU');
  });
});

describe('convertTfliteToOnnx: unsupported operators', () => {
  it('names a builtin operator it does not map, and its index', () => {
    const model = singleOp([1, 2, 2, 3], [1, 2, 2, 3], [], { builtin: OP.GELU });
    expect(() => convertTfliteToOnnx(writeTflite(model))).toThrow(TfliteConversionError);
    expect(() => convertTfliteToOnnx(writeTflite(model))).toThrow(/operator 0 \(GELU\).*not supported/);
  });

  it('names a custom operator it does not map by its custom code, and its index', () => {
    const model: SynthModel = {
      tensors: [{ shape: [1, 2, 2, 3] }, { shape: [1, 2, 2, 3] }, { shape: [1, 2, 2, 3] }],
      ops: [
        { builtin: OP.RELU, inputs: [0], outputs: [1] },
        { builtin: OP.CUSTOM, custom: 'MyFancyUpsample', inputs: [1], outputs: [2] },
      ],
      inputs: [0],
      outputs: [2],
    };
    expect(() => convertTfliteToOnnx(writeTflite(model))).toThrow(/operator 1 \(MyFancyUpsample\): custom operator MyFancyUpsample is not supported/);
  });

  it('names the operator whose parameters it cannot honour', () => {
    const model = singleOp([1, 4, 4, 3], [1, 4, 4, 3], [{ shape: [3, 3, 3, 3], data: f32Bytes(new Float32Array(81)) }], {
      builtin: OP.CONV_2D,
      optionsType: OPT.Conv2D,
      options: convOptions(SAME, 1, 1, 5 /* SIGN_BIT */),
    });
    expect(() => convertTfliteToOnnx(writeTflite(model))).toThrow(/operator 0 \(CONV_2D\): fused activation 5 is not supported/);
  });
});

describe('convertTfliteToOnnx: operators vs NHWC references (onnxruntime-web, wasm)', () => {
  it('SAME padding puts the odd pixel after, as TFLite does', () => {
    expect(samePadding(8, 3, 2)).toEqual([0, 1]);
    expect(samePadding(7, 3, 2)).toEqual([1, 1]);
    expect(samePadding(9, 5, 2)).toEqual([2, 2]);
    expect(samePadding(6, 3, 1, 2)).toEqual([2, 2]);
    expect(samePadding(144, 3, 2)).toEqual([0, 1]);
  });

  it('CONV_2D: SAME with stride 2 (asymmetric padding) and a fused RELU6', async () => {
    const r = rng(1);
    const x = { shape: [1, 7, 8, 3] as Nhwc['shape'], data: random(7 * 8 * 3, r) };
    const w = random(4 * 3 * 3 * 3, r);
    const b = random(4, r);
    const model = singleOp([1, 7, 8, 3], [1, 4, 4, 4], [{ shape: [4, 3, 3, 3], data: f32Bytes(w) }, { shape: [4], data: f32Bytes(b) }], {
      builtin: OP.CONV_2D,
      optionsType: OPT.Conv2D,
      options: convOptions(SAME, 2, 2, 3 /* RELU6 */),
    });
    expectClose(await convertAndRun(model, x), mapRef(convRef(x, w, [4, 3, 3, 3], b, { stride: [2, 2], padding: SAME }), relu6));
  });

  it('CONV_2D: VALID with stride 2, and SAME with dilation 2', async () => {
    const r = rng(2);
    const x = { shape: [1, 7, 8, 3] as Nhwc['shape'], data: random(7 * 8 * 3, r) };
    const w = random(2 * 3 * 3 * 3, r);
    const b = random(2, r);
    const consts = [{ shape: [2, 3, 3, 3], data: f32Bytes(w) }, { shape: [2], data: f32Bytes(b) }];
    const valid = singleOp([1, 7, 8, 3], [1, 3, 3, 2], consts, { builtin: OP.CONV_2D, optionsType: OPT.Conv2D, options: convOptions(VALID, 2, 2) });
    expectClose(await convertAndRun(valid, x), convRef(x, w, [2, 3, 3, 3], b, { stride: [2, 2], padding: VALID }));
    const dilated = singleOp([1, 7, 8, 3], [1, 7, 8, 2], consts, { builtin: OP.CONV_2D, optionsType: OPT.Conv2D, options: convOptions(SAME, 1, 1, 0, 2, 2) });
    expectClose(await convertAndRun(dilated, x), convRef(x, w, [2, 3, 3, 3], b, { stride: [1, 1], dilation: [2, 2], padding: SAME }));
  });

  it('DEPTHWISE_CONV_2D: depth multiplier 2, SAME with stride 2', async () => {
    const r = rng(3);
    const x = { shape: [1, 9, 6, 3] as Nhwc['shape'], data: random(9 * 6 * 3, r) };
    const w = random(3 * 3 * 6, r);
    const b = random(6, r);
    const model = singleOp([1, 9, 6, 3], [1, 5, 3, 6], [{ shape: [1, 3, 3, 6], data: f32Bytes(w) }, { shape: [6], data: f32Bytes(b) }], {
      builtin: OP.DEPTHWISE_CONV_2D,
      optionsType: OPT.DepthwiseConv2D,
      options: [[0, 'i8', SAME], [1, 'i32', 2], [2, 'i32', 2], [3, 'i32', 2], [4, 'i8', 1 /* RELU */]],
    });
    const expected = mapRef(convRef(x, w, [1, 3, 3, 6], b, { stride: [2, 2], padding: SAME }, true), (v) => Math.max(v, 0));
    expectClose(await convertAndRun(model, x), expected);
  });

  it('DEPTHWISE_CONV_2D: 5×5, stride 1, multiplier 1 (as in the selfie models)', async () => {
    const r = rng(4);
    const x = { shape: [1, 6, 7, 3] as Nhwc['shape'], data: random(6 * 7 * 3, r) };
    const w = random(5 * 5 * 3, r);
    const b = random(3, r);
    const model = singleOp([1, 6, 7, 3], [1, 6, 7, 3], [{ shape: [1, 5, 5, 3], data: f32Bytes(w) }, { shape: [3], data: f32Bytes(b) }], {
      builtin: OP.DEPTHWISE_CONV_2D,
      optionsType: OPT.DepthwiseConv2D,
      options: [[0, 'i8', SAME], [1, 'i32', 1], [2, 'i32', 1], [3, 'i32', 1]],
    });
    expectClose(await convertAndRun(model, x), convRef(x, w, [1, 5, 5, 3], b, { stride: [1, 1], padding: SAME }, true));
  });

  it('Convolution2DTransposeBias (MediaPipe): 3×3, stride 2, SAME, odd and even padding', async () => {
    const r = rng(5);
    const x = { shape: [1, 4, 5, 3] as Nhwc['shape'], data: random(4 * 5 * 3, r) };
    const w = random(2 * 3 * 3 * 3, r);
    const b = random(2, r);
    // SAME: total = max(0, k − (in−1) mod s − 1): H 4 → 1 (out 8, before 0); W 5 → 2 (out 9, before 1).
    const model = singleOp([1, 4, 5, 3], [1, 8, 9, 2], [{ shape: [2, 3, 3, 3], data: f32Bytes(w) }, { shape: [2], data: f32Bytes(b) }], {
      builtin: OP.CUSTOM,
      custom: 'Convolution2DTransposeBias',
      customOptions: i32Bytes([1 /* kTfLitePaddingSame */, 2, 2]),
    });
    expectClose(await convertAndRun(model, x), transposeConvRef(x, w, [2, 3, 3, 3], b, [2, 2], [0, 1], 8, 9));
  });

  it('Convolution2DTransposeBias (MediaPipe): 2×2, stride 2, as in the selfie models', async () => {
    const r = rng(6);
    const x = { shape: [1, 3, 4, 3] as Nhwc['shape'], data: random(3 * 4 * 3, r) };
    const w = random(1 * 2 * 2 * 3, r);
    const b = random(1, r);
    // Even input (the models' 72×128 → 144×256): no padding; odd input 3: total 1, so 5 rows, none cut before.
    const model = singleOp([1, 3, 4, 3], [1, 5, 8, 1], [{ shape: [1, 2, 2, 3], data: f32Bytes(w) }, { shape: [1], data: f32Bytes(b) }], {
      builtin: OP.CUSTOM,
      custom: 'Convolution2DTransposeBias',
      customOptions: i32Bytes([1, 2, 2]),
    });
    expectClose(await convertAndRun(model, x), transposeConvRef(x, w, [1, 2, 2, 3], b, [2, 2], [0, 0], 5, 8));
  });

  it('TRANSPOSE_CONV: SAME, stride 2, with bias; VALID with an extra output row', async () => {
    const r = rng(7);
    const x = { shape: [1, 4, 5, 3] as Nhwc['shape'], data: random(4 * 5 * 3, r) };
    const w = random(2 * 3 * 3 * 3, r);
    const b = random(2, r);
    const same: SynthModel = {
      tensors: [{ shape: [1, 4, 5, 3] }, { shape: [4], type: TensorType.INT32, data: i32Bytes([1, 8, 10, 2]) }, { shape: [2, 3, 3, 3], data: f32Bytes(w) }, { shape: [2], data: f32Bytes(b) }, { shape: [1, 8, 10, 2] }],
      ops: [{ builtin: OP.TRANSPOSE_CONV, inputs: [1, 2, 0, 3], outputs: [4], optionsType: OPT.TransposeConv, options: [[0, 'i8', SAME], [1, 'i32', 2], [2, 'i32', 2]] }],
      inputs: [0],
      outputs: [4],
    };
    // TFLite pads as SAME from the output: H total (4−1)·2+3−8 = 1 → before 0; W (5−1)·2+3−10 = 1 → before 0.
    expectClose(await convertAndRun(same, x), transposeConvRef(x, w, [2, 3, 3, 3], b, [2, 2], [0, 0], 8, 10));
    const valid: SynthModel = {
      tensors: [{ shape: [1, 4, 5, 3] }, { shape: [4], type: TensorType.INT32, data: i32Bytes([1, 10, 11, 2]) }, { shape: [2, 3, 3, 3], data: f32Bytes(w) }, { shape: [1, 10, 11, 2] }],
      ops: [{ builtin: OP.TRANSPOSE_CONV, inputs: [1, 2, 0], outputs: [3], optionsType: OPT.TransposeConv, options: [[0, 'i8', VALID], [1, 'i32', 2], [2, 'i32', 2]] }],
      inputs: [0],
      outputs: [3],
    };
    expectClose(await convertAndRun(valid, x), transposeConvRef(x, w, [2, 3, 3, 3], null, [2, 2], [0, 0], 10, 11));
  });

  it('RESIZE_BILINEAR: half_pixel_centers, align_corners and legacy, up and down', async () => {
    const r = rng(8);
    const cases: [number, number, number, number, boolean, boolean][] = [
      [3, 4, 6, 8, false, true],
      [7, 9, 3, 4, false, true],
      [3, 4, 5, 7, true, false],
      [3, 4, 5, 7, false, false],
    ];
    for (const [h, w, oh, ow, alignCorners, halfPixel] of cases) {
      const x = { shape: [1, h, w, 3] as Nhwc['shape'], data: random(h * w * 3, r) };
      const model = singleOp([1, h, w, 3], [1, oh, ow, 3], [{ shape: [2], type: TensorType.INT32, data: i32Bytes([oh, ow]) }], {
        builtin: OP.RESIZE_BILINEAR,
        optionsType: OPT.ResizeBilinear,
        options: [[2, 'bool', alignCorners ? 1 : 0], [3, 'bool', halfPixel ? 1 : 0]],
      });
      expectClose(await convertAndRun(model, x), resizeRef(x, oh, ow, alignCorners, halfPixel));
    }
  });

  it('AVERAGE_POOL_2D (SAME leaves padding out of the mean; whole-image windows), MAX_POOL_2D', async () => {
    const r = rng(9);
    const x = { shape: [1, 7, 8, 3] as Nhwc['shape'], data: random(7 * 8 * 3, r) };
    const pool = (builtin: number, padding: number, k: [number, number], s: [number, number], out: number[]): SynthModel =>
      singleOp([1, 7, 8, 3], out, [], {
        builtin,
        optionsType: OPT.Pool2D,
        options: [[0, 'i8', padding], [1, 'i32', s[1]], [2, 'i32', s[0]], [3, 'i32', k[1]], [4, 'i32', k[0]]],
      });
    expectClose(await convertAndRun(pool(OP.AVERAGE_POOL_2D, SAME, [3, 3], [2, 2], [1, 4, 4, 3]), x), poolRef(x, [3, 3], [2, 2], SAME, 'avg'));
    expectClose(await convertAndRun(pool(OP.AVERAGE_POOL_2D, VALID, [7, 8], [7, 8], [1, 1, 1, 3]), x), poolRef(x, [7, 8], [7, 8], VALID, 'avg'));
    expectClose(await convertAndRun(pool(OP.MAX_POOL_2D, SAME, [3, 3], [2, 2], [1, 4, 4, 3]), x), poolRef(x, [3, 3], [2, 2], SAME, 'max'));
  });

  it('a squeeze-and-excite block: MEAN, CONV 1×1, RELU, LOGISTIC, MUL, ADD of a constant, HARD_SWISH, RELU6, CONCATENATION', async () => {
    const r = rng(10);
    const [H, W, C] = [5, 6, 3];
    const x = { shape: [1, H, W, C] as Nhwc['shape'], data: random(H * W * C, r, 4) };
    const w1 = random(2 * C, r);
    const b1 = random(2, r);
    const w2 = random(C * 2, r);
    const b2 = random(C, r);
    const shift = random(C, r, 3);
    const model: SynthModel = {
      tensors: [
        { shape: [1, H, W, C] }, // 0 input
        { shape: [2], type: TensorType.INT32, data: i32Bytes([1, 2]) }, // 1 axes
        { shape: [1, 1, 1, C] }, // 2 mean
        { shape: [2, 1, 1, C], data: f32Bytes(w1) }, // 3
        { shape: [2], data: f32Bytes(b1) }, // 4
        { shape: [1, 1, 1, 2] }, // 5 squeeze
        { shape: [1, 1, 1, 2] }, // 6 relu
        { shape: [C, 1, 1, 2], data: f32Bytes(w2) }, // 7
        { shape: [C], data: f32Bytes(b2) }, // 8
        { shape: [1, 1, 1, C] }, // 9 excite
        { shape: [1, 1, 1, C] }, // 10 gate
        { shape: [1, H, W, C] }, // 11 x·gate
        { shape: [C], data: f32Bytes(shift) }, // 12 constant
        { shape: [1, H, W, C] }, // 13 + shift
        { shape: [1, H, W, C] }, // 14 hard swish
        { shape: [1, H, W, C] }, // 15 relu6
        { shape: [1, H, W, 2 * C] }, // 16 concat with the input
      ],
      ops: [
        { builtin: OP.MEAN, inputs: [0, 1], outputs: [2], optionsType: OPT.Reducer, options: [[0, 'bool', 1]] },
        { builtin: OP.CONV_2D, inputs: [2, 3, 4], outputs: [5], optionsType: OPT.Conv2D, options: convOptions(VALID, 1, 1) },
        { builtin: OP.RELU, inputs: [5], outputs: [6] },
        { builtin: OP.CONV_2D, inputs: [6, 7, 8], outputs: [9], optionsType: OPT.Conv2D, options: convOptions(VALID, 1, 1) },
        { builtin: OP.LOGISTIC, inputs: [9], outputs: [10] },
        { builtin: OP.MUL, inputs: [0, 10], outputs: [11], optionsType: OPT.Mul, options: [[0, 'i8', 0]] },
        { builtin: OP.ADD, inputs: [11, 12], outputs: [13], optionsType: OPT.Add, options: [[0, 'i8', 0]] },
        { builtin: OP.HARD_SWISH, inputs: [13], outputs: [14] },
        { builtin: OP.RELU6, inputs: [14], outputs: [15] },
        { builtin: OP.CONCATENATION, inputs: [15, 0], outputs: [16], optionsType: OPT.Concatenation, options: [[0, 'i32', -1]] },
      ],
      inputs: [0],
      outputs: [16],
    };
    const mean = nhwc(1, 1, C, (_y, _x, c) => {
      let s = 0;
      for (let y = 0; y < H; y++) for (let xx = 0; xx < W; xx++) s += at(x, y, xx, c);
      return s / (H * W);
    });
    const squeeze = mapRef(convRef(mean, w1, [2, 1, 1, C], b1, { stride: [1, 1], padding: VALID }), (v) => Math.max(v, 0));
    const gate = mapRef(convRef(squeeze, w2, [C, 1, 1, 2], b2, { stride: [1, 1], padding: VALID }), sigmoid);
    const body = mapRef(x, (v, c) => {
      const t = v * gate.data[c]! + shift[c]!;
      return relu6((t * relu6(t + 3)) / 6);
    });
    const expected = nhwc(H, W, 2 * C, (y, xx, c) => (c < C ? at(body, y, xx, c) : at(x, y, xx, c - C)));
    expectClose(await convertAndRun(model, x), expected);
  });

  it('MEAN without keep_dims, then RESHAPE back to 4-D', async () => {
    const r = rng(11);
    const x = { shape: [1, 4, 5, 3] as Nhwc['shape'], data: random(4 * 5 * 3, r) };
    const model: SynthModel = {
      tensors: [
        { shape: [1, 4, 5, 3] },
        { shape: [1], type: TensorType.INT32, data: i32Bytes([1]) },
        { shape: [1, 5, 3] },
        { shape: [4], type: TensorType.INT32, data: i32Bytes([1, 5, 3, 1]) },
        { shape: [1, 5, 3, 1] },
      ],
      ops: [
        { builtin: OP.MEAN, inputs: [0, 1], outputs: [2], optionsType: OPT.Reducer, options: [[0, 'bool', 0]] },
        { builtin: OP.RESHAPE, inputs: [2, 3], outputs: [4] },
      ],
      inputs: [0],
      outputs: [4],
    };
    // Mean over H: [1,5,3] (W, C), reinterpreted as [1,5,3,1] (H' = W, W' = C).
    const expected = nhwc(5, 3, 1, (column, channel) => {
      let s = 0;
      for (let y = 0; y < 4; y++) s += at(x, y, column, channel);
      return s / 4;
    });
    expectClose(await convertAndRun(model, x), expected);
  });

  it('DEQUANTIZE of float16 weights is folded into a float32 initialiser', async () => {
    const r = rng(12);
    const x = { shape: [1, 5, 5, 3] as Nhwc['shape'], data: random(5 * 5 * 3, r) };
    const w = Float32Array.from({ length: 2 * 3 * 3 * 3 }, () => Math.round((r() * 2 - 1) * 255) / 256);
    const half = new Uint8Array(new Uint16Array(Array.from(w, exactHalf)).buffer);
    const model: SynthModel = {
      tensors: [{ shape: [1, 5, 5, 3] }, { shape: [2, 3, 3, 3], type: TensorType.FLOAT16, data: half }, { shape: [2, 3, 3, 3] }, { shape: [1, 3, 3, 2] }],
      ops: [
        { builtin: OP.DEQUANTIZE, inputs: [1], outputs: [2] },
        { builtin: OP.CONV_2D, inputs: [0, 2, -1], outputs: [3], optionsType: OPT.Conv2D, options: convOptions(SAME, 2, 2) },
      ],
      inputs: [0],
      outputs: [3],
    };
    const { onnx, report } = convertTfliteToOnnx(writeTflite(model));
    expect(report.foldedDequantize).toBe(1);
    expect(decodeModel(onnx).graph!.node!.map((n) => n.opType)).toEqual(['Conv']);
    expectClose(await convertAndRun(model, x), convRef(x, w, [2, 3, 3, 3], new Float32Array(2), { stride: [2, 2], padding: SAME }));
  });
});

describe('convertTfliteToOnnx: the installed selfie segmenter', () => {
  const bytes = new Uint8Array(readFileSync(LANDSCAPE));

  it('gives src [1,3,144,256] → pha [1,1,144,256], records its source, and runs', async () => {
    const { onnx, report } = convertTfliteToOnnx(bytes);
    console.log('landscape → ONNX:', JSON.stringify(report));
    expect(report.input).toEqual({ name: 'src', shape: [1, 3, 144, 256] });
    expect(report.output).toEqual({ name: 'pha', shape: [1, 1, 144, 256] });
    expect(report.foldedDequantize).toBe(110);
    const decoded = decodeModel(onnx);
    const metadata = Object.fromEntries(decoded.metadataProps.map((p) => [p.key, p.value]));
    expect(metadata.source_sha256).toBe(createHash('sha256').update(bytes).digest('hex'));
    expect(metadata.converter_version).toBe(CONVERTER_VERSION);
    expect(Number(decoded.opsetImport[0]!.version)).toBe(13);

    const session = await ort.InferenceSession.create(onnx, { executionProviders: ['wasm'] });
    const r = rng(13);
    const input = Float32Array.from({ length: 3 * 144 * 256 }, () => r());
    const pha = (await session.run({ src: new ort.Tensor('float32', input, [1, 3, 144, 256]) })).pha!;
    await session.release();
    expect(pha.dims).toEqual([1, 1, 144, 256]);
    const values = pha.data as Float32Array;
    expect(values.every((v) => v >= 0 && v <= 1)).toBe(true);
  });

  it.skipIf(squareMissing !== null)('converts the square model too ([1,3,256,256] → [1,1,256,256])', async () => {
    const { onnx, report } = convertTfliteToOnnx(new Uint8Array(readFileSync(SQUARE)));
    console.log('square → ONNX:', JSON.stringify(report));
    expect(report.output.shape).toEqual([1, 1, 256, 256]);
    const session = await ort.InferenceSession.create(onnx, { executionProviders: ['wasm'] });
    const pha = (await session.run({ src: new ort.Tensor('float32', new Float32Array(3 * 256 * 256).fill(0.5), [1, 3, 256, 256]) })).pha!;
    await session.release();
    expect((pha.data as Float32Array).every((v) => v >= 0 && v <= 1)).toBe(true);
  });

  it('is deterministic: two conversions give identical bytes', () => {
    const a = convertTfliteToOnnx(bytes).onnx;
    const b = convertTfliteToOnnx(new Uint8Array(readFileSync(LANDSCAPE))).onnx;
    expect(Buffer.compare(Buffer.from(a), Buffer.from(b))).toBe(0);
  });

  it('matches the sha256 of the manifest entry selfie-landscape-onnx (and the installed file)', () => {
    const json: unknown = JSON.parse(readFileSync(join(ROOT, 'src/models/manifest.json'), 'utf8'));
    const entry = parseManifest(json).models.find((m) => m.id === 'selfie-landscape-onnx');
    expect(entry, 'manifest entry selfie-landscape-onnx').toBeDefined();
    expect(entry!.derivedFrom).toBe('selfie-landscape');
    const converted = createHash('sha256').update(convertTfliteToOnnx(bytes, { name: entry!.id }).onnx).digest('hex');
    expect(converted, 'the converter changed: run `npx tsx scripts/convert-models.ts --update` and commit the manifest').toBe(entry!.sha256);
    const installed = join(ROOT, 'public/models', entry!.file);
    if (existsSync(installed)) expect(createHash('sha256').update(readFileSync(installed)).digest('hex')).toBe(entry!.sha256);
  });

  it('parseManifest accepts derivedFrom only when it names another entry', () => {
    const json = JSON.parse(readFileSync(join(ROOT, 'src/models/manifest.json'), 'utf8')) as { models: Record<string, unknown>[] };
    const derived = json.models.find((m) => m.id === 'selfie-landscape-onnx')!;
    derived.derivedFrom = 'no-such-model';
    expect(() => parseManifest(json)).toThrow(/derivedFrom/);
    derived.derivedFrom = 'selfie-landscape-onnx';
    expect(() => parseManifest(json)).toThrow(/derivedFrom/);
  });
});
