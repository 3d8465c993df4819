// The learned refiner of BackgroundMattingV2 (Lin, Ryabtsev et al., "Real-Time High-Resolution
// Background Matting", CVPR 2021; model/refiner.py, kernel_size 3): its weights read from an
// ONNX file's initialisers, BatchNorm folded into the convolutions, and packed for
// shaders/refine_learned.wgsl.
import { ReplacerError } from '../../errors';
import { decodeModel, tensorToFloat32, type OnnxGraph, type OnnxModel, type OnnxNode, type OnnxTensor } from '../onnx/graph';
import { type FoldedConv, PACKED, REFINER_LAYERS, type RefinerLayerName, type RefinerWeights } from '../../types/refiner';

/** BatchNorm epsilon of PyTorch's nn.BatchNorm2d (the refiner's bn1..bn3), used when no node states one. */
export const BN_EPSILON = 1e-5;

function modelError(message: string): ReplacerError {
  return new ReplacerError('model-load', message);
}

const shapeText = (dims: readonly number[]): string => `[${dims.join(',')}]`;

/** A tensor's values after checking its dims. @throws ReplacerError naming the tensor */
function values(t: OnnxTensor, dims: readonly number[], role: string): Float32Array {
  const actual = (t.dims ?? []).map(Number);
  if (actual.length !== dims.length || actual.some((d, i) => d !== dims[i])) {
    const hint = role.endsWith('weight') && actual.length === 4 && actual[2] === 1 ? ' (a kernel_size 1 refiner, which is not supported)' : '';
    throw modelError(`ONNX tensor ${t.name ?? '(unnamed)'} (${role}) has shape ${shapeText(actual)}; the BGMv2 refiner needs ${shapeText(dims)}${hint}.`);
  }
  try {
    return tensorToFloat32(t);
  } catch (err) {
    throw modelError(`ONNX tensor ${t.name ?? '(unnamed)'} (${role}) cannot be read: ${err instanceof Error ? err.message : String(err)}`);
  }
}

/** BatchNorm parameters of one layer: γ, β, running mean and variance, ε. */
interface BatchNorm {
  scale: Float32Array;
  shift: Float32Array;
  mean: Float32Array;
  variance: Float32Array;
  epsilon: number;
}

/**
 * Folds BatchNorm (eval mode) into a bias-free or biased convolution:
 * s = γ / √(var + ε); W' = s·W (per output channel); b' = β + s·(b − mean).
 * @param weight [out, in, 3, 3]; @param bias [out] or null (none)
 */
export function foldBatchNorm(weight: Float32Array, bias: Float32Array | null, bn: BatchNorm, inChannels: number, outChannels: number): FoldedConv {
  const w = new Float32Array(weight.length);
  const b = new Float32Array(outChannels);
  const per = inChannels * 9;
  for (let o = 0; o < outChannels; o++) {
    const s = bn.scale[o]! / Math.sqrt(bn.variance[o]! + bn.epsilon);
    for (let k = 0; k < per; k++) w[o * per + k] = weight[o * per + k]! * s;
    b[o] = bn.shift[o]! + s * ((bias ? bias[o]! : 0) - bn.mean[o]!);
  }
  return { weight: w, bias: b, in: inChannels, out: outChannels };
}

/** Packs folded layers into the shader's layout ({@link RefinerWeights.packed}). */
export function packRefinerWeights(layers: Record<RefinerLayerName, FoldedConv>): Float32Array {
  const packed = new Float32Array(PACKED.length);
  for (const l of REFINER_LAYERS) {
    const { weight, bias } = layers[l.name];
    const base = PACKED.weight[l.name];
    for (let o = 0; o < l.out; o++) {
      for (let i = 0; i < l.in; i++) {
        for (let k = 0; k < 9; k++) packed[base + (i * 9 + k) * l.out + o] = weight[(o * l.in + i) * 9 + k]!;
      }
    }
    packed.set(bias, PACKED.bias[l.name]);
  }
  return packed;
}

/** Raw (unfolded) tensors of one layer, before validation of the BN set. */
interface RawLayer {
  weight: OnnxTensor;
  bias: OnnxTensor | null;
  bn: { scale: OnnxTensor; shift: OnnxTensor; mean: OnnxTensor; variance: OnnxTensor; epsilon: number } | null;
}

function epsilonOf(node: OnnxNode | undefined): number {
  const attr = node?.attribute?.find((a) => a.name === 'epsilon');
  return attr?.f ?? BN_EPSILON;
}

/** By PyTorch names, with the `refiner.` prefix or without; null when conv1's weight is absent under both. */
function byNames(graph: OnnxGraph, init: Map<string, OnnxTensor>): Record<RefinerLayerName, RawLayer> | null {
  const prefix = ['refiner.', ''].find((p) => init.has(`${p}conv1.weight`));
  if (prefix === undefined) return null;
  const need = (name: string): OnnxTensor => {
    const t = init.get(prefix + name);
    if (!t) throw modelError(`The ONNX model has ${prefix}conv1.weight but no initialiser ${prefix}${name}: it is not a complete BGMv2 refiner.`);
    return t;
  };
  const layers = {} as Record<RefinerLayerName, RawLayer>;
  for (const l of REFINER_LAYERS) {
    const weight = need(`${l.name}.weight`);
    const bias = init.get(`${prefix}${l.name}.bias`) ?? null;
    let bn: RawLayer['bn'] = null;
    if (l.bn) {
      const names = ['weight', 'bias', 'running_mean', 'running_var'].map((s) => `${prefix}${l.bn}.${s}`);
      const present = names.filter((n) => init.has(n));
      if (present.length === 0 && bias) {
        // BatchNorm already folded into the convolution by the exporter.
      } else {
        const [scale, shift, mean, variance] = names.map((n) => need(n.slice(prefix.length)));
        const node = graph.node?.find((n) => n.opType === 'BatchNormalization' && n.input?.[1] === names[0]);
        bn = { scale: scale!, shift: shift!, mean: mean!, variance: variance!, epsilon: epsilonOf(node) };
      }
    } else if (!bias) {
      need(`${l.name}.bias`);
    }
    layers[l.name] = { weight, bias, bn };
  }
  return layers;
}

/**
 * By structure, for exports that renamed the parameters (torch.onnx's eval-mode Conv+BN
 * fusion gives them generated names): the Conv node whose weight initialiser has each
 * layer's unique shape, its bias input, and the BatchNormalization node reading its output if
 * any. Null when no Conv has conv1's shape [24,42,3,3].
 */
function byGraph(graph: OnnxGraph, init: Map<string, OnnxTensor>): Record<RefinerLayerName, RawLayer> | null {
  const convs = (graph.node ?? []).filter((n) => n.opType === 'Conv');
  const shaped = (dims: number[]): OnnxNode[] =>
    convs.filter((n) => {
      const w = init.get(n.input?.[1] ?? '');
      const d = (w?.dims ?? []).map(Number);
      return d.length === 4 && d.every((v, i) => v === dims[i]);
    });
  if (shaped([24, 42, 3, 3]).length === 0) return null;
  const layers = {} as Record<RefinerLayerName, RawLayer>;
  for (const l of REFINER_LAYERS) {
    const dims = [l.out, l.in, 3, 3];
    const found = shaped(dims);
    if (found.length !== 1) {
      throw modelError(`The ONNX model has ${found.length} Conv nodes with weights ${shapeText(dims)} (BGMv2 refiner ${l.name}); expected exactly one.`);
    }
    const conv = found[0]!;
    const biasName = conv.input?.[2];
    const bias = biasName ? (init.get(biasName) ?? null) : null;
    if (biasName && !bias) throw modelError(`The bias ${biasName} of the refiner's ${l.name} is computed, not an initialiser; cannot read it.`);
    const bnNode = (graph.node ?? []).find((n) => n.opType === 'BatchNormalization' && n.input?.[0] === conv.output?.[0]);
    let bn: RawLayer['bn'] = null;
    if (bnNode) {
      const [scale, shift, mean, variance] = [1, 2, 3, 4].map((k) => {
        const t = init.get(bnNode.input?.[k] ?? '');
        if (!t) throw modelError(`BatchNormalization ${bnNode.name ?? ''} after the refiner's ${l.name}: input ${k} is not an initialiser.`);
        return t;
      });
      bn = { scale: scale!, shift: shift!, mean: mean!, variance: variance!, epsilon: epsilonOf(bnNode) };
    } else if (l.bn && !bias) {
      throw modelError(`The refiner's ${l.name} (Conv ${conv.name ?? ''}) has neither a BatchNormalization after it nor a bias: not a BGMv2 refiner.`);
    } else if (!l.bn && !bias) {
      throw modelError(`The refiner's ${l.name} (Conv ${conv.name ?? ''}) has no bias: not a BGMv2 refiner.`);
    }
    layers[l.name] = { weight: init.get(conv.input![1]!)!, bias, bn };
  }
  return layers;
}

function fold(raw: Record<RefinerLayerName, RawLayer>): Record<RefinerLayerName, FoldedConv> {
  const layers = {} as Record<RefinerLayerName, FoldedConv>;
  for (const l of REFINER_LAYERS) {
    const r = raw[l.name];
    const weight = values(r.weight, [l.out, l.in, 3, 3], `${l.name}.weight`);
    const bias = r.bias ? values(r.bias, [l.out], `${l.name}.bias`) : null;
    if (r.bn) {
      const bnName = l.bn ?? l.name;
      const bn: BatchNorm = {
        scale: values(r.bn.scale, [l.out], `${bnName}.weight`),
        shift: values(r.bn.shift, [l.out], `${bnName}.bias`),
        mean: values(r.bn.mean, [l.out], `${bnName}.running_mean`),
        variance: values(r.bn.variance, [l.out], `${bnName}.running_var`),
        epsilon: r.bn.epsilon,
      };
      for (let o = 0; o < l.out; o++) {
        if (!(bn.variance[o]! + bn.epsilon > 0)) throw modelError(`ONNX tensor ${r.bn.variance.name ?? ''} (${bnName}.running_var) has a negative or NaN entry at ${o}.`);
      }
      layers[l.name] = foldBatchNorm(weight, bias, bn, l.in, l.out);
    } else {
      layers[l.name] = { weight, bias: bias ?? new Float32Array(l.out), in: l.in, out: l.out };
    }
  }
  return layers;
}

/**
 * Finds the BGMv2 refiner in an ONNX model, if it has one.
 *
 * By name first: `refiner.conv1.weight`, `refiner.bn1.weight|bias|running_mean|running_var`, …,
 * `refiner.conv4.weight|bias` (also without the `refiner.` prefix); conv1..conv3 may carry
 * a bias instead of their BatchNorm (already folded). Otherwise by structure: the Conv nodes
 * whose weights have the refiner's shapes [24,42,3,3], [16,24,3,3], [12,22,3,3], [4,12,3,3].
 * BatchNorm (ε from its node, else 1e-5) is folded into the convolutions.
 * @returns null when the model has no trace of a refiner (a base-only export)
 * @throws ReplacerError 'model-load' naming the missing or ill-shaped tensor
 */
export function findRefinerWeights(model: OnnxModel): RefinerWeights | null {
  const graph = model.graph;
  if (!graph) throw modelError('The ONNX file has no graph.');
  const init = new Map<string, OnnxTensor>();
  for (const t of graph.initializer ?? []) if (t.name) init.set(t.name, t);
  let raw = byNames(graph, init);
  let source: RefinerWeights['source'] = 'names';
  if (!raw) {
    raw = byGraph(graph, init);
    source = 'graph';
  }
  if (!raw) return null;
  const layers = fold(raw);
  return { layers, packed: packRefinerWeights(layers), source };
}

/**
 * Reads the BGMv2 refiner's weights from ONNX bytes (or a decoded model).
 * @throws ReplacerError 'model-load' when the bytes are not ONNX, when there is no refiner,
 *   or naming the missing or ill-shaped tensor
 */
export function readRefinerWeights(source: Uint8Array | OnnxModel): RefinerWeights {
  let model: OnnxModel;
  if (source instanceof Uint8Array) {
    try {
      model = decodeModel(source);
    } catch (err) {
      throw new ReplacerError('model-load', `Not an ONNX model: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
    }
  } else {
    model = source;
  }
  const weights = findRefinerWeights(model);
  if (!weights) {
    throw modelError(
      'The ONNX model has no BGMv2 refiner: no initialiser refiner.conv1.weight (or conv1.weight) and no Conv with weights [24,42,3,3]. A MattingBase export has none; use a MattingRefine export.',
    );
  }
  return weights;
}
