// A frame already on the GPU as the pipeline's input: what a headless caller (the Node GPU
// bench, scripts/lib/gpuBench/) gives instead of a browser VideoFrame.
import { InputError } from '../errors';
import type { FrameInput } from '../types/frameInput';

/**
 * A FrameInput of a GPU texture: the import copies it into the frame texture
 * (copyTextureToTexture, submitted at once), with no browser API.
 * @param texture the frame, rgba8unorm with COPY_SRC usage, alpha 1 (borrowed: the caller
 *   creates and destroys it, and must not change it until the pipeline's process() settles)
 * @throws InputError 'unsupported-input' for another format or a texture without COPY_SRC
 */
export function textureFrameInput(device: GPUDevice, texture: GPUTexture): FrameInput {
  if (texture.format !== 'rgba8unorm') {
    throw new InputError('unsupported-input', `A frame texture must be rgba8unorm, got ${texture.format}.`);
  }
  if ((texture.usage & GPUTextureUsage.COPY_SRC) === 0) {
    throw new InputError('unsupported-input', 'A frame texture needs COPY_SRC usage: the pipeline copies it into its own frame texture.');
  }
  const { width, height } = texture;
  return {
    width,
    height,
    importInto(dst: GPUTexture): void {
      const encoder = device.createCommandEncoder({ label: 'import (texture)' });
      encoder.copyTextureToTexture({ texture }, { texture: dst }, [width, height]);
      device.queue.submit([encoder.finish()]);
    },
    crop(): Promise<ImageBitmap> {
      return Promise.reject(
        new InputError('unsupported-input', 'A base network on the CPU (tasks-vision) needs the frame as an image; a GPU texture input takes a GPU base network (onnx-webgpu).'),
      );
    },
  };
}
