import code from '../../../shaders/import_frame.wgsl?raw';
import { computePipeline, dispatch2d, storageTexture } from '../layout';

/**
 * Imports a VideoFrame as the rgba8unorm frame texture F through an external texture
 * (GPU-side YUV→RGB, no CPU copy). Reference: the identity on RGB with alpha 1
 * (src/gpu/reference/importFrame.ts). The external texture is only valid in the task
 * that imported it, so the bind group is made per frame (the only per-frame bind group).
 */
export function createImportFramePass(device: GPUDevice) {
  const { pipeline, layout } = computePipeline(device, 'import-frame', code, [
    { binding: 0, visibility: GPUShaderStage.COMPUTE, externalTexture: {} },
    storageTexture(1, 'rgba8unorm'),
  ]);
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
      const group = device.createBindGroup({
        layout,
        entries: [
          { binding: 0, resource: device.importExternalTexture({ source: frame }) },
          { binding: 1, resource: dstView! },
        ],
      });
      dispatch2d(encoder, pipeline, group, dst.width, dst.height, ts);
    },
    dispose(): void {
      dstTexture = null;
      dstView = null;
    },
  };
}
