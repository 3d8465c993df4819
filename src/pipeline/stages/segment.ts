// Stage `segment`: the base network on the whole frame.
import { createDownsamplePass } from '../../gpu/passes/downsample';
import { createTensorFromTexturePass } from '../../gpu/passes/tensorFromTexture';
import type { Rect } from '../../types/geometry';
import { Memo } from '../memo';
import type { Binding, FrameState, Stage } from '../stage';

/**
 * The base network on the whole frame, resized to its input (256×144 for the landscape selfie
 * segmenter), and the whole frame area-downsampled to the same size (FrameTextures.guideLow,
 * the guide of the mask upsampling). Writes the person confidence into FrameTextures.maskFull.
 * A CPU network (tasks-vision) gets the input's crop (an ImageBitmap) and returns the mask, kept in
 * `frame.fullMask` for the stages that place the next runs; a GPU network (onnx-webgpu) reads
 * the guide as its input tensor ([1,3,h,w] float32 in 0..1, tensor_from_texture.wgsl) and writes
 * its output straight into maskFull: nothing is read back.
 */
export class SegmentStage implements Stage {
  readonly name = 'segment';
  readonly timed = true;
  readonly reads = ['input', 'frame'] as const;
  readonly writes = ['maskFull', 'guideLow'] as const;
  private readonly downsample;
  private readonly toTensor;
  private readonly bound = new Memo<{ downsample: Binding<typeof createDownsamplePass>; tensor: Binding<typeof createTensorFromTexturePass> | null }>();

  constructor(device: GPUDevice) {
    this.downsample = createDownsamplePass(device);
    this.toTensor = createTensorFromTexturePass(device);
  }

  enabled(frame: FrameState): boolean {
    return frame.matting === 'classic';
  }

  async run(frame: FrameState): Promise<void> {
    const { network, textures: t } = frame;
    const whole: Rect = { x: 0, y: 0, width: t.width, height: t.height };
    const b = this.bound.get([t, network], () => ({
      downsample: this.downsample.bind({ src: t.frame, dst: t.guideLow }),
      tensor: network.kind === 'gpu' ? this.toTensor.bind({ src: t.guideLow, tensor: network.input }) : null,
    }));
    this.downsample.setRect(whole);
    if (network.kind === 'gpu') {
      const encoder = frame.encoder();
      this.downsample.encode(encoder, b.downsample);
      this.toTensor.encode(encoder, b.tensor!);
      frame.submit();
      await network.run(t.maskFull);
      return;
    }
    const full = await network.segment(await frame.input.crop(null, network.width, network.height));
    frame.fullMask = full;
    frame.device.queue.writeBuffer(t.maskFull, 0, full.pha);
    this.downsample.encode(frame.encoder(), b.downsample);
  }

  dispose(): void {
    this.bound.clear();
    this.downsample.dispose();
    this.toTensor.dispose();
  }
}
