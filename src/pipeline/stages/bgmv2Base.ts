// Stage `bgmv2-base`: BackgroundMattingV2's base network on the frame and the plate.
import { createDownsamplePass } from '../../gpu/passes/downsample';
import { createTensorFromTexturePass } from '../../gpu/passes/tensorFromTexture';
import type { Rect } from '../../types/geometry';
import type { LearnedModel } from '../learnedModel';
import { LazyPasses } from '../lazyPasses';
import { Memo } from '../memo';
import type { Binding, FrameState, Stage } from '../stage';

interface Bound {
  srcDown: Binding<typeof createDownsamplePass>;
  bgrDown: Binding<typeof createDownsamplePass>;
  srcTensor: Binding<typeof createTensorFromTexturePass>;
  bgrTensor: Binding<typeof createTensorFromTexturePass>;
}

/**
 * BGMv2's MattingBase (Lin, Ryabtsev et al., CVPR 2021) at ¼ of the frame: the frame and the
 * plate area-downsampled to the base size, written as its `src` and `bgr` tensors
 * ([1,3,h,w] float32 in 0..1), and the network queued on the pipeline's device; its outputs
 * (pha, fgr, err, hid) stay on the GPU for the next stages.
 */
export class Bgmv2BaseStage implements Stage {
  readonly name = 'bgmv2-base';
  readonly timed = true;
  readonly reads = ['frame', 'plate'] as const;
  readonly writes = [] as const;
  private readonly passes;
  private readonly bound = new Memo<Bound>();

  constructor(device: GPUDevice) {
    this.passes = new LazyPasses(() => ({
      srcDown: createDownsamplePass(device, 'bgmv2-src-down'),
      bgrDown: createDownsamplePass(device, 'bgmv2-bgr-down'),
      toTensor: createTensorFromTexturePass(device),
    }));
  }

  enabled(frame: FrameState): boolean {
    return frame.matting === 'bgmv2';
  }

  async run(frame: FrameState): Promise<void> {
    const learned: LearnedModel = frame.learned!;
    const plate = frame.plate!;
    const t = frame.textures;
    const { srcDown, bgrDown, toTensor } = this.passes.get();
    const { base } = learned;
    const b = this.bound.get([t, plate, learned], () => ({
      srcDown: srcDown.bind({ src: t.frame, dst: learned.srcLow }),
      bgrDown: bgrDown.bind({ src: plate, dst: learned.bgrLow }),
      srcTensor: toTensor.bind({ src: learned.srcLow, tensor: base.src }),
      bgrTensor: toTensor.bind({ src: learned.bgrLow, tensor: base.bgr }),
    }));
    const whole: Rect = { x: 0, y: 0, width: t.width, height: t.height };
    srcDown.setRect(whole);
    bgrDown.setRect(whole);
    const encoder = frame.encoder();
    srcDown.encode(encoder, b.srcDown);
    bgrDown.encode(encoder, b.bgrDown);
    toTensor.encode(encoder, b.srcTensor);
    toTensor.encode(encoder, b.bgrTensor);
    frame.submit();
    await base.run();
  }

  dispose(): void {
    this.bound.clear();
    this.passes.dispose();
  }
}
