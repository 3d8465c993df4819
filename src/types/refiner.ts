// The learned refiner's weights as BackgroundMattingV2 (Lin, Ryabtsev et al., CVPR 2021) defines its
// layers, and their packed layout: the contract between the weight reader
// (src/models/bgmv2/refinerWeights.ts) and shaders/refine_learned.wgsl.

/** The refiner's layers: conv1 42→24 (BN, ReLU), conv2 24→16 (BN, ReLU), conv3 22→12 (BN, ReLU), conv4 12→4 (bias). */
export const REFINER_LAYERS = [
  { name: 'conv1', bn: 'bn1', in: 42, out: 24 },
  { name: 'conv2', bn: 'bn2', in: 24, out: 16 },
  { name: 'conv3', bn: 'bn3', in: 22, out: 12 },
  { name: 'conv4', bn: null, in: 12, out: 4 },
] as const;

export type RefinerLayerName = (typeof REFINER_LAYERS)[number]['name'];

/** One 3×3 convolution with BatchNorm folded in: y = bias + Σ weight · x. */
export interface FoldedConv {
  /** [out, in, 3, 3] row-major (PyTorch's OIHW). */
  weight: Float32Array;
  /** [out]. */
  bias: Float32Array;
  in: number;
  out: number;
}

/** Offsets (in floats) of each layer's weights and biases in {@link RefinerWeights.packed}. */
export interface PackedOffsets {
  weight: Record<RefinerLayerName, number>;
  bias: Record<RefinerLayerName, number>;
  /** Total floats. */
  length: number;
}

/** Where each layer lies in the packed array (every offset a multiple of 4, for vec4 reads). */
export const PACKED: PackedOffsets = (() => {
  let at = 0;
  const weight = {} as Record<RefinerLayerName, number>;
  const bias = {} as Record<RefinerLayerName, number>;
  for (const l of REFINER_LAYERS) {
    weight[l.name] = at;
    at += l.in * 9 * l.out;
  }
  for (const l of REFINER_LAYERS) {
    bias[l.name] = at;
    at += l.out;
  }
  return { weight, bias, length: at };
})();

/** The refiner's weights, folded, in both layouts. */
export interface RefinerWeights {
  layers: Record<RefinerLayerName, FoldedConv>;
  /**
   * What shaders/refine_learned.wgsl reads (f32, {@link PACKED}.length = 15 392 floats): per
   * layer the weights as [in][ky][kx][out] (output channels innermost, so a vec4 holds four
   * of them), then the four bias vectors.
   */
  packed: Float32Array;
  /** How they were found: by their PyTorch names, or by the shapes of the refiner's Conv nodes; or generated at random (benchmarks). */
  source: 'names' | 'graph' | 'random';
}
