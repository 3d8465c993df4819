import code from '../../../shaders/refine_learned.wgsl?raw';
import { PACKED, type RefinerWeights } from '../../types/refiner';
import { buildComputePass, dispatchIndirect, readStorage, storageTexture, texture, uniform } from '../pass';
import type { TileBuffers } from './selectTiles';

/**
 * The coarse outputs of a BGMv2 base network as onnxruntime-web leaves them on the GPU:
 * NCHW float32 storage buffers (each at least the tensor's size; larger is fine).
 */
export interface CoarseBuffers {
  /** [1,1,height,width] alpha, 0..1. */
  pha: GPUBuffer;
  /** [1,3,height,width] foreground residual F − I. */
  fgr: GPUBuffer;
  /** [1,32,height,width] hidden features. */
  hid: GPUBuffer;
  /** Coarse size in texels (any, e.g. a quarter of the frame's). */
  width: number;
  height: number;
}

/** Inputs and outputs of the learned refiner. */
export interface RefineLearnedIO {
  /** Frame and plate at full resolution, rgba8unorm (or any float format), W and H multiples of 4. */
  src: GPUTexture;
  bgr: GPUTexture;
  coarse: CoarseBuffers;
  /** The selection's tile list and indirect dispatch buffer (8×8 tiles of the frame). */
  buffers: TileBuffers;
  /** Weights from {@link createRefinerWeightsBuffer}. */
  weights: GPUBuffer;
  /** Written on the selected tiles only: alpha r32float (0..1), fgr rgba8unorm (F in 0..1, a = 1). */
  alpha: GPUTexture;
  fgr: GPUTexture;
}

/** What bind() returns and encode() records. */
export interface RefineLearnedBinding {
  group: GPUBindGroup;
  dispatch: GPUBuffer;
}

const FLOAT = 4;

/** Bind group of shaders/refine_learned.wgsl, by WGSL name. */
export const REFINE_LEARNED_BINDINGS = {
  src: texture(),
  bgr: texture(),
  pha: readStorage(),
  fgr: readStorage(),
  hid: readStorage(),
  weights: readStorage(),
  tiles: readStorage(),
  dispatch: readStorage(),
  alphaOut: storageTexture('r32float'),
  fgrOut: storageTexture('rgba8unorm'),
  params: uniform(),
};

/**
 * Uploads the packed refiner weights (src/models/bgmv2/refinerWeights.ts) into a storage
 * buffer; the caller owns it and destroys it.
 * @throws RangeError when the array is not the packed layout's length (15 392 floats)
 */
export function createRefinerWeightsBuffer(device: GPUDevice, weights: RefinerWeights): GPUBuffer {
  if (weights.packed.length !== PACKED.length) throw new RangeError(`refiner weights: ${weights.packed.length} floats, expected ${PACKED.length}`);
  const buffer = device.createBuffer({ label: 'learned refiner weights', size: PACKED.length * FLOAT, usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_DST });
  device.queue.writeBuffer(buffer, 0, weights.packed as Float32Array<ArrayBuffer>);
  return buffer;
}

/**
 * BackgroundMattingV2's learned refiner (Lin, Ryabtsev et al., CVPR 2021), sparse: indirect
 * dispatch over the selected 8×8 tiles, one workgroup of 64 threads per tile, crops and
 * activations in workgroup memory (shaders/refine_learned.wgsl; reference:
 * src/gpu/reference/refineLearned.ts). Outside the selected tiles nothing is written: the
 * pipeline fills those pixels with the coarse result upsampled.
 */
export function createRefineLearnedPass(device: GPUDevice) {
  const vec4 = (floats: number): number => floats / 4;
  const gpu = buildComputePass(device, {
    label: 'refine-learned',
    code,
    bindings: REFINE_LEARNED_BINDINGS,
    constants: {
      W1: vec4(PACKED.weight.conv1),
      W2: vec4(PACKED.weight.conv2),
      W3: vec4(PACKED.weight.conv3),
      W4: vec4(PACKED.weight.conv4),
      B1: vec4(PACKED.bias.conv1),
      B2: vec4(PACKED.bias.conv2),
      B3: vec4(PACKED.bias.conv3),
      B4: vec4(PACKED.bias.conv4),
    },
  });
  const params = device.createBuffer({ label: 'refine-learned params', size: 32, usage: GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST });
  return {
    /**
     * Checks sizes, writes the size parameters and makes the bind group. The parameters are
     * the pass's own: the sizes of the latest bind() apply to every encode().
     * @throws RangeError when W or H is not a multiple of 4, src and bgr differ, the outputs
     *   are not the frame's size, or a buffer is smaller than its tensor
     */
    bind(io: RefineLearnedIO): RefineLearnedBinding {
      const { width: W, height: H } = io.src;
      if (W % 4 !== 0 || H % 4 !== 0) throw new RangeError(`learned refiner: frame ${W}×${H} must be a multiple of 4 in both directions (BGMv2 refines 4×4 patches)`);
      for (const [name, t] of [['bgr', io.bgr], ['alpha', io.alpha], ['fgr', io.fgr]] as const) {
        if (t.width !== W || t.height !== H) throw new RangeError(`learned refiner: ${name} is ${t.width}×${t.height}, the frame ${W}×${H}`);
      }
      const { width: wc, height: hc } = io.coarse;
      if (!(Number.isInteger(wc) && Number.isInteger(hc) && wc > 0 && hc > 0)) throw new RangeError(`learned refiner: coarse size ${wc}×${hc} must be positive integers`);
      for (const [name, channels] of [['pha', 1], ['fgr', 3], ['hid', 32]] as const) {
        const need = channels * wc * hc * FLOAT;
        if (io.coarse[name].size < need) throw new RangeError(`learned refiner: coarse ${name} buffer has ${io.coarse[name].size} bytes, [1,${channels},${hc},${wc}] float32 needs ${need}`);
      }
      if (io.weights.size < PACKED.length * FLOAT) throw new RangeError(`learned refiner: weights buffer has ${io.weights.size} bytes, needs ${PACKED.length * FLOAT}`);
      const data = new ArrayBuffer(32);
      new Uint32Array(data, 0, 4).set([W, H, wc, hc]);
      new Float32Array(data, 16, 2).set([wc / (W / 2), hc / (H / 2)]);
      device.queue.writeBuffer(params, 0, data);
      const group = gpu.bind({
        src: io.src,
        bgr: io.bgr,
        pha: io.coarse.pha,
        fgr: io.coarse.fgr,
        hid: io.coarse.hid,
        weights: io.weights,
        tiles: io.buffers.tiles,
        dispatch: io.buffers.dispatch,
        alphaOut: io.alpha,
        fgrOut: io.fgr,
        params,
      });
      return { group, dispatch: io.buffers.dispatch };
    },
    /** Records the refine: one workgroup per selected tile (the count the selection wrote). */
    encode(encoder: GPUCommandEncoder, b: RefineLearnedBinding, timestampWrites?: GPUComputePassTimestampWrites): void {
      dispatchIndirect(encoder, 'refine-learned', gpu.pipelines.main, b.group, b.dispatch, timestampWrites);
    },
    dispose(): void {
      params.destroy();
    },
  };
}
