import code from '../../../shaders/import_frame.wgsl?raw';
import { buildComputePass, dispatch2d, externalTexture, storageTexture } from '../pass';

/** Bind group of shaders/import_frame.wgsl, by WGSL name. */
export const IMPORT_FRAME_BINDINGS = { src: externalTexture(), dst: storageTexture('rgba8unorm') };

/**
 * Imports a VideoFrame as the rgba8unorm frame texture F through an external texture
 * (GPU-side YUV→RGB, no CPU copy). Reference: the identity on RGB with alpha 1
 * (src/gpu/reference/importFrame.ts). The external texture is only valid in the task
 * that imported it, so the bind group is made per frame (the only per-frame bind group).
 */
export function createImportFramePass(device: GPUDevice) {
  const gpu = buildComputePass(device, { label: 'import-frame', code, bindings: IMPORT_FRAME_BINDINGS });
  let dstView: GPUTextureView | null = null;
  let dstTexture: GPUTexture | null = null;
  return {
    /**
     * Records the import of `frame` into `dst` (same size as the frame's display size).
     * @param frame a VideoFrame (or any external image source), still open when the encoder is submitted
     */
    encode(encoder: GPUCommandEncoder, frame: VideoFrame, dst: GPUTexture, ts?: GPUComputePassTimestampWrites): void {
      if (dstTexture !== dst) {
        dstTexture = dst;
        dstView = dst.createView();
      }
      const group = gpu.bind({ src: device.importExternalTexture({ source: frame }), dst: dstView! });
      dispatch2d(encoder, gpu.pipelines.main, group, dst.width, dst.height, ts);
    },
    dispose(): void {
      dstTexture = null;
      dstView = null;
    },
  };
}
