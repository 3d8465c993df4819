// Stage `blur`: the background blurred without the person bleeding into it.
import { BLUR_SIGMA_FRACTION, type Options } from '../../options';
import { blurPlan } from '../../gpu/params/blur';
import { createBlurPreparePass } from '../../gpu/passes/blurPrepare';
import { createGaussianBlurPass } from '../../gpu/passes/gaussianBlur';
import { Memo } from '../memo';
import type { Binding, FrameState, Stage } from '../stage';

/**
 * The blur factor and sigma of a frame: BLUR_SIGMA_FRACTION of its height, run at 1/factor of
 * its size (blurPlan). The frame textures' blur pair is sized by the factor.
 */
export function frameBlurPlan(height: number, strength: Options['blurStrength']): { factor: number; sigma: number } {
  return blurPlan(BLUR_SIGMA_FRACTION[strength] * height);
}

/**
 * `blur` mode's B′: the frame weighted by its background weight 1 − α and downsampled by the
 * blur factor (rgb·(1 − α), 1 − α) (shaders/blur_prepare.wgsl), then a separable Gaussian
 * (shaders/gaussian_blur.wgsl, horizontal then vertical) into FrameTextures.blurA; the composite
 * divides by the blurred weight, so the person does not bleed into the blurred background.
 */
export class BlurStage implements Stage {
  readonly name = 'blur';
  readonly timed = true;
  readonly reads = ['frame', 'alphaOut'] as const;
  readonly writes = ['blurA', 'blurB'] as const;
  private readonly prepare;
  private readonly horizontal;
  private readonly vertical;
  private readonly bound = new Memo<{
    prepare: Binding<typeof createBlurPreparePass>;
    horizontal: Binding<typeof createGaussianBlurPass>;
    vertical: Binding<typeof createGaussianBlurPass>;
  }>();

  constructor(device: GPUDevice) {
    this.prepare = createBlurPreparePass(device);
    this.horizontal = createGaussianBlurPass(device, 'horizontal');
    this.vertical = createGaussianBlurPass(device, 'vertical');
  }

  enabled(frame: FrameState): boolean {
    return frame.options.mode === 'blur';
  }

  run(frame: FrameState): void {
    const t = frame.textures;
    const plan = frameBlurPlan(frame.height, frame.options.blurStrength);
    this.prepare.setFactor(plan.factor);
    this.horizontal.setSigma(plan.sigma);
    this.vertical.setSigma(plan.sigma);
    const b = this.bound.get([t], () => ({
      prepare: this.prepare.bind({ frame: t.frame, alpha: t.alphaOut, dst: t.blurA }),
      horizontal: this.horizontal.bind({ src: t.blurA, dst: t.blurB }),
      vertical: this.vertical.bind({ src: t.blurB, dst: t.blurA }),
    }));
    const encoder = frame.encoder();
    this.prepare.encode(encoder, b.prepare);
    this.horizontal.encode(encoder, b.horizontal);
    this.vertical.encode(encoder, b.vertical);
  }

  dispose(): void {
    this.bound.clear();
    this.prepare.dispose();
    this.horizontal.dispose();
    this.vertical.dispose();
  }
}
