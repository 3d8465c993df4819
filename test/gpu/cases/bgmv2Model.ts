// BGMv2 test models built with the ONNX graph builders (src/models/onnx/graph.ts), from
// seeded random weights: the refiner's parameters as PyTorch names them, the dense (full mode)
// refiner as an ONNX graph for onnxruntime-web, and small base / refine exports for the loader.
// No GPU imports: used by the GPU harness (test/gpu/cases/learnedCases.ts) and by vitest.
import { DataType, encodeModel, node, tensorF32, tensorI64, valueInfo, type OnnxTensor, type OnnxValueInfo } from '../../../src/models/onnx/graph';
import { createImage, type FloatImage } from '../../../src/gpu/reference/image';
import type { LearnedRefineInputs } from '../../../src/gpu/reference/refineLearned';
import { REFINER_LAYERS, type RefinerLayerName } from '../../../src/types/refiner';

/** The refiner's parameters before folding, as model/refiner.py holds them. */
export interface RawRefinerParams {
  /** [out, in, 3, 3] per conv. */
  weight: Record<RefinerLayerName, Float32Array>;
  /** conv4's bias [4]. */
  bias4: Float32Array;
  /** bn1..bn3: γ, β, running mean, running var ([out] each), by conv name. */
  bn: Record<'conv1' | 'conv2' | 'conv3', { scale: Float32Array; shift: Float32Array; mean: Float32Array; variance: Float32Array }>;
}

/**
 * Random refiner parameters: He-scaled uniform weights for conv1..conv3, BatchNorm with
 * γ ∈ [0.5, 1.5], β, mean ∈ [−0.2, 0.2], var ∈ [0.5, 1.5]; conv4 small (±0.02·√3) with bias
 * [0.5, 0, 0, 0], so pha stays mostly inside 0..1 and the fgr residual small, and the final
 * clamps do not hide differences.
 */
export function randomRefinerParams(rand: () => number): RawRefinerParams {
  const uniform = (n: number, lo: number, hi: number): Float32Array => Float32Array.from({ length: n }, () => lo + (hi - lo) * rand());
  const weight = {} as Record<RefinerLayerName, Float32Array>;
  for (const l of REFINER_LAYERS) {
    const limit = l.name === 'conv4' ? 0.02 * Math.sqrt(3) : Math.sqrt(6 / (l.in * 9));
    weight[l.name] = uniform(l.out * l.in * 9, -limit, limit);
  }
  const bn = {} as RawRefinerParams['bn'];
  for (const name of ['conv1', 'conv2', 'conv3'] as const) {
    const out = REFINER_LAYERS.find((l) => l.name === name)!.out;
    bn[name] = { scale: uniform(out, 0.5, 1.5), shift: uniform(out, -0.2, 0.2), mean: uniform(out, -0.2, 0.2), variance: uniform(out, 0.5, 1.5) };
  }
  return { weight, bias4: Float32Array.from([0.5, 0, 0, 0]), bn };
}

/** The parameters as initialisers named as in the official exports (`refiner.conv1.weight`, `refiner.bn1.running_var`, …). */
export function refinerInitializers(p: RawRefinerParams, prefix = 'refiner.'): OnnxTensor[] {
  const out: OnnxTensor[] = [];
  for (const l of REFINER_LAYERS) {
    out.push(tensorF32(`${prefix}${l.name}.weight`, [l.out, l.in, 3, 3], p.weight[l.name]));
    if (l.bn) {
      const b = p.bn[l.name as 'conv1' | 'conv2' | 'conv3'];
      out.push(
        tensorF32(`${prefix}${l.bn}.weight`, [l.out], b.scale),
        tensorF32(`${prefix}${l.bn}.bias`, [l.out], b.shift),
        tensorF32(`${prefix}${l.bn}.running_mean`, [l.out], b.mean),
        tensorF32(`${prefix}${l.bn}.running_var`, [l.out], b.variance),
      );
    } else {
      out.push(tensorF32(`${prefix}${l.name}.bias`, [l.out], p.bias4));
    }
  }
  return out;
}

/**
 * The refiner's layers as nodes: `first` conv1, bn1, relu, conv2, bn2, relu from `x42` to `r2`;
 * `second` conv3, bn3, relu, conv4 (+ bias) from `x22` to `out`.
 */
function refinerNodes(prefix: string, x42: string, x22: string) {
  const bnInputs = (bn: string): string[] => ['weight', 'bias', 'running_mean', 'running_var'].map((s) => `${prefix}${bn}.${s}`);
  return {
    first: [
      node('Conv', [x42, `${prefix}conv1.weight`], ['c1']),
      node('BatchNormalization', ['c1', ...bnInputs('bn1')], ['n1'], { epsilon: { float: 1e-5 } }),
      node('Relu', ['n1'], ['r1']),
      node('Conv', ['r1', `${prefix}conv2.weight`], ['c2']),
      node('BatchNormalization', ['c2', ...bnInputs('bn2')], ['n2'], { epsilon: { float: 1e-5 } }),
      node('Relu', ['n2'], ['r2']),
    ],
    second: [
      node('Conv', [x22, `${prefix}conv3.weight`], ['c3']),
      node('BatchNormalization', ['c3', ...bnInputs('bn3')], ['n3'], { epsilon: { float: 1e-5 } }),
      node('Relu', ['n3'], ['r3']),
      node('Conv', ['r3', `${prefix}conv4.weight`, `${prefix}conv4.bias`], ['out']),
    ],
  };
}

/**
 * BGMv2's refiner in full mode as an ONNX graph (opset 13): inputs src, bgr [1,3,H,W],
 * pha [1,1,hc,wc], fgr [1,3,hc,wc] (residual), hid [1,32,hc,wc]; output `out` [1,4,H,W] =
 * raw [pha, fgr residual]. Resize linear half_pixel to (H/2, W/2) of cat(hid, pha, fgr) and of
 * cat(src, bgr), Pad 3, Concat, Conv + BatchNormalization + Relu ×2, Resize nearest
 * (asymmetric, floor) to (H + 4, W + 4), Concat with Pad 2 of cat(src, bgr), Conv + BN + Relu,
 * Conv (+ bias).
 */
export function denseRefinerModel(p: RawRefinerParams, W: number, H: number, wc: number, hc: number): Uint8Array {
  const prefix = 'refiner.';
  const nodes = refinerNodes(prefix, 'x42', 'x22');
  const resize = (input: string, output: string, sizes: string, mode: 'linear' | 'nearest') =>
    node('Resize', [input, '', '', sizes], [output], mode === 'linear' ? { mode, coordinate_transformation_mode: 'half_pixel' } : { mode, coordinate_transformation_mode: 'asymmetric', nearest_mode: 'floor' });
  return encodeModel({
    name: 'bgmv2-refiner-full',
    inputs: [valueInfo('src', [1, 3, H, W]), valueInfo('bgr', [1, 3, H, W]), valueInfo('pha', [1, 1, hc, wc]), valueInfo('fgr', [1, 3, hc, wc]), valueInfo('hid', [1, 32, hc, wc])],
    outputs: [valueInfo('out', [1, 4, H, W])],
    initializers: [
      ...refinerInitializers(p, prefix),
      tensorI64('size36', [4], [1, 36, H / 2, W / 2]),
      tensorI64('size6', [4], [1, 6, H / 2, W / 2]),
      tensorI64('size16', [4], [1, 16, H + 4, W + 4]),
      tensorI64('pad3', [8], [0, 0, 3, 3, 0, 0, 3, 3]),
      tensorI64('pad2', [8], [0, 0, 2, 2, 0, 0, 2, 2]),
    ],
    nodes: [
      node('Concat', ['src', 'bgr'], ['sb'], { axis: 1 }),
      node('Concat', ['hid', 'pha', 'fgr'], ['x36'], { axis: 1 }),
      resize('x36', 'x36h', 'size36', 'linear'),
      resize('sb', 'sbh', 'size6', 'linear'),
      node('Pad', ['x36h', 'pad3'], ['x36p'], { mode: 'constant' }),
      node('Pad', ['sbh', 'pad3'], ['sbp'], { mode: 'constant' }),
      node('Concat', ['x36p', 'sbp'], ['x42'], { axis: 1 }),
      ...nodes.first,
      resize('r2', 'up', 'size16', 'nearest'),
      node('Pad', ['sb', 'pad2'], ['sb2'], { mode: 'constant' }),
      node('Concat', ['up', 'sb2'], ['x22'], { axis: 1 }),
      ...nodes.second,
    ],
  });
}

/** A graph input/output with some dims symbolic (strings). */
export function symbolicValueInfo(name: string, dims: (number | string)[], elemType: number = DataType.FLOAT): OnnxValueInfo {
  return {
    name,
    type: { tensorType: { elemType, shape: { dim: dims.map((d) => (typeof d === 'number' ? { dimValue: d } : { dimParam: d })) } } },
  };
}

/** Options of {@link bgmv2TestModel}. */
export interface TestModelOptions {
  /** base: outputs pha, fgr, err, hid at 1/4 of the input; refine: pha, fgr at full size (+ pha_sm … when `smOutputs`). */
  kind: 'base' | 'refine';
  /** Input size; numbers or symbol names. */
  height: number | string;
  width: number | string;
  /** Refiner parameters to store as initialisers (with `prefix`), or null for none. */
  refiner: RawRefinerParams | null;
  prefix?: string;
  /** Rewrites the outputs' value infos (to test the validation). */
  editOutputs?: (outputs: OnnxValueInfo[]) => OnnxValueInfo[];
  editInputs?: (inputs: OnnxValueInfo[]) => OnnxValueInfo[];
  smOutputs?: boolean;
}

/**
 * A small stand-in for a BGMv2 export with the real interface (not a trained network):
 * base: Concat(src, bgr) → 1×1 Conv stride 4 to 37 channels → Split into pha, fgr, err, hid;
 * refine: Concat → 1×1 Conv to 4 channels → Split into pha, fgr (and the *_sm outputs from a
 * stride-4 branch when asked). The refiner's initialisers ride along unused.
 */
export function bgmv2TestModel(o: TestModelOptions): Uint8Array {
  const quarter = (d: number | string): number | string => (typeof d === 'number' ? d / 4 : `${d}/4`);
  const [h, w] = [o.height, o.width];
  let inputs = [symbolicValueInfo('src', ['B', 3, h, w]), symbolicValueInfo('bgr', ['B', 3, h, w])];
  const coarse = (name: string, c: number): OnnxValueInfo => symbolicValueInfo(name, ['B', c, quarter(h), quarter(w)]);
  const full = (name: string, c: number): OnnxValueInfo => symbolicValueInfo(name, ['B', c, h, w]);
  const initializers: OnnxTensor[] = o.refiner ? refinerInitializers(o.refiner, o.prefix ?? 'refiner.') : [];
  const nodes = [node('Concat', ['src', 'bgr'], ['x'], { axis: 1 })];
  let outputs: OnnxValueInfo[];
  if (o.kind === 'base') {
    initializers.push(tensorF32('head.weight', [37, 6, 1, 1], new Float32Array(37 * 6).fill(0.1)), tensorI64('split', [4], [1, 3, 1, 32]));
    nodes.push(node('Conv', ['x', 'head.weight'], ['y'], { strides: [4, 4] }), node('Split', ['y', 'split'], ['pha', 'fgr', 'err', 'hid'], { axis: 1 }));
    outputs = [coarse('pha', 1), coarse('fgr', 3), coarse('err', 1), coarse('hid', 32)];
  } else {
    initializers.push(tensorF32('head.weight', [4, 6, 1, 1], new Float32Array(24).fill(0.1)), tensorI64('split', [2], [1, 3]));
    nodes.push(node('Conv', ['x', 'head.weight'], ['y']), node('Split', ['y', 'split'], ['pha', 'fgr'], { axis: 1 }));
    outputs = [full('pha', 1), full('fgr', 3)];
    if (o.smOutputs) {
      initializers.push(tensorF32('sm.weight', [6, 6, 1, 1], new Float32Array(36).fill(0.1)), tensorI64('split_sm', [4], [1, 3, 1, 1]));
      nodes.push(node('Conv', ['x', 'sm.weight'], ['s'], { strides: [4, 4] }), node('Split', ['s', 'split_sm'], ['pha_sm', 'fgr_sm', 'err_sm', 'ref_sm'], { axis: 1 }));
      outputs.push(coarse('pha_sm', 1), coarse('fgr_sm', 3), coarse('err_sm', 1), coarse('ref_sm', 1));
    }
  }
  if (o.editOutputs) outputs = o.editOutputs(outputs);
  if (o.editInputs) inputs = o.editInputs(inputs);
  return encodeModel({ name: `bgmv2-${o.kind}-test`, nodes, inputs, outputs, initializers });
}

/**
 * Random refiner inputs: frame and plate (RGBA) quantised to 8 bits, coarse outputs of wc×hc
 * (pha in 0..1, fgr residual in ±0.2, hid ≥ 0, a third of it 0).
 */
export function randomRefinerInputs(rand: () => number, W: number, H: number, wc: number, hc: number): LearnedRefineInputs {
  const image = (): FloatImage => {
    const img = createImage(W, H, 4);
    for (let i = 0; i < img.data.length; i++) img.data[i] = Math.round(rand() * 255) / 255;
    return img;
  };
  const n = wc * hc;
  return {
    src: image(),
    bgr: image(),
    coarse: {
      width: wc,
      height: hc,
      pha: Float32Array.from({ length: n }, rand),
      fgr: Float32Array.from({ length: 3 * n }, () => 0.4 * (rand() - 0.5)),
      hid: Float32Array.from({ length: 32 * n }, () => Math.max(0, rand() - 0.3)),
    },
  };
}

/**
 * A MattingBase stand-in at w×h: Concat(src, bgr) → 3×3 Conv (6 → 37, random) → Split into
 * pha = Sigmoid, fgr = Clip(0.3·x + src, 0, 1) (MattingBase returns F, not the residual),
 * err = Sigmoid, hid = Relu.
 */
export function randomBaseModel(rand: () => number, w: number, h: number): Uint8Array {
  const weight = Float32Array.from({ length: 37 * 6 * 9 }, () => (rand() - 0.5) * 1.2);
  const bias = Float32Array.from({ length: 37 }, () => (rand() - 0.5) * 0.6);
  return encodeModel({
    name: 'bgmv2-base-test',
    nodes: [
      node('Concat', ['src', 'bgr'], ['x'], { axis: 1 }),
      node('Conv', ['x', 'w', 'b'], ['y'], { pads: [1, 1, 1, 1] }),
      node('Split', ['y', 'split'], ['a', 'f', 'e', 'g'], { axis: 1 }),
      node('Sigmoid', ['a'], ['pha']),
      node('Mul', ['f', 'k'], ['f3']),
      node('Add', ['f3', 'src'], ['fs']),
      node('Clip', ['fs', 'lo', 'hi'], ['fgr']),
      node('Sigmoid', ['e'], ['err']),
      node('Relu', ['g'], ['hid']),
    ],
    inputs: [valueInfo('src', [1, 3, h, w]), valueInfo('bgr', [1, 3, h, w])],
    outputs: [valueInfo('pha', [1, 1, h, w]), valueInfo('fgr', [1, 3, h, w]), valueInfo('err', [1, 1, h, w]), valueInfo('hid', [1, 32, h, w])],
    initializers: [
      tensorF32('w', [37, 6, 3, 3], weight),
      tensorF32('b', [37], bias),
      tensorI64('split', [4], [1, 3, 1, 32]),
      tensorF32('k', [], [0.3]),
      tensorF32('lo', [], [0]),
      tensorF32('hi', [], [1]),
    ],
  });
}

