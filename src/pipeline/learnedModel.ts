// BackgroundMattingV2 on one pipeline: the model its caller loaded and the GPU resources its
// three stages share (stages/bgmv2Base.ts, stages/bgmv2Prior.ts, stages/refineLearned.ts).
import { createRefinerWeightsBuffer } from '../gpu/passes/refineLearned';
import type { Bgmv2BaseNetwork } from '../types/network';
import type { RefinerWeights } from '../types/refiner';

/**
 * BackgroundMattingV2 as the matting stages (Lin, Ryabtsev et al., CVPR 2021): its base
 * network gives the coarse pha, fgr, err and hid from the frame and the plate at the base
 * size; tiles are selected on err; its learned refiner refines them. The caller owns `base`.
 */
export interface LearnedMatting {
  base: Bgmv2BaseNetwork;
  weights: RefinerWeights;
}

/**
 * The model and what the pipeline made for it: the refiner weights on the GPU, the fgr residual
 * F − I the refiner reads, and the frame and plate at the base size. Borrows `base`; destroy()
 * releases the rest.
 */
export class LearnedModel {
  readonly base: Bgmv2BaseNetwork;
  /** Packed refiner weights (createRefinerWeightsBuffer). */
  readonly weights: GPUBuffer;
  /** [1,3,h,w] float32 residual F − I at the base size. */
  readonly residual: GPUBuffer;
  /** The frame and the plate area-downsampled to the base size, rgba8unorm. */
  readonly srcLow: GPUTexture;
  readonly bgrLow: GPUTexture;

  /** @throws RangeError when the weights are not the packed layout's length */
  constructor(device: GPUDevice, learned: LearnedMatting) {
    const { base } = learned;
    this.base = base;
    const low = (label: string): GPUTexture =>
      device.createTexture({ label, size: [base.width, base.height], format: 'rgba8unorm', usage: GPUTextureUsage.TEXTURE_BINDING | GPUTextureUsage.STORAGE_BINDING });
    this.weights = createRefinerWeightsBuffer(device, learned.weights);
    this.residual = device.createBuffer({ label: 'bgmv2 fgr residual', size: 3 * base.width * base.height * 4, usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC });
    this.srcLow = low('bgmv2 src (base size)');
    this.bgrLow = low('bgmv2 bgr (base size)');
  }

  /** Destroys what the constructor made (not the base network). */
  destroy(): void {
    this.weights.destroy();
    this.residual.destroy();
    this.srcLow.destroy();
    this.bgrLow.destroy();
  }
}
