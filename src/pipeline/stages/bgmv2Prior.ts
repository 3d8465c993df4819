// Stage `upsample` on the BGMv2 path: its coarse outputs as the prior, the error map and the residual.
import { createFgrResidualPass } from '../../gpu/passes/fgrResidual';
import { createTensorToTexturePass } from '../../gpu/passes/tensorToTexture';
import type { LearnedModel } from '../learnedModel';
import { LazyPasses } from '../lazyPasses';
import { Memo } from '../memo';
import type { Binding, FrameState, Stage } from '../stage';

interface Bound {
  pha: Binding<typeof createTensorToTexturePass>;
  err: Binding<typeof createTensorToTexturePass>;
  residual: Binding<typeof createFgrResidualPass>;
}

/**
 * BGMv2's coarse pha upsampled bilinearly to full resolution as the prior (the result wherever
 * no tile is refined), its err resampled to the 1/4-resolution error map the tile selection
 * reads (both clamped to 0..1; shaders/tensor_to_texture.wgsl), and its fgr turned into the
 * residual F − I the learned refiner takes (shaders/fgr_residual.wgsl).
 */
export class Bgmv2PriorStage implements Stage {
  readonly name = 'upsample';
  readonly timed = true;
  readonly reads = [] as const;
  readonly writes = ['prior', 'err'] as const;
  private readonly passes;
  private readonly bound = new Memo<Bound>();

  constructor(device: GPUDevice) {
    this.passes = new LazyPasses(() => ({
      pha: createTensorToTexturePass(device, 'bgmv2-pha-to-prior'),
      err: createTensorToTexturePass(device, 'bgmv2-err'),
      residual: createFgrResidualPass(device),
    }));
  }

  enabled(frame: FrameState): boolean {
    return frame.matting === 'bgmv2';
  }

  run(frame: FrameState): void {
    const learned: LearnedModel = frame.learned!;
    const t = frame.textures;
    const passes = this.passes.get();
    const { base } = learned;
    const b = this.bound.get([t, learned], () => {
      const channel = (buffer: GPUBuffer, channels: number) => ({ buffer, channels, width: base.width, height: base.height, channel: 0 });
      return {
        pha: passes.pha.bind({ src: channel(base.pha, 1), dst: t.prior }, true),
        err: passes.err.bind({ src: channel(base.err, 1), dst: t.err }, true),
        residual: passes.residual.bind({ fgr: base.fgr, src: base.src, residual: learned.residual, count: 3 * base.width * base.height }),
      };
    });
    const encoder = frame.encoder();
    passes.pha.encode(encoder, b.pha);
    passes.err.encode(encoder, b.err);
    passes.residual.encode(encoder, b.residual);
  }

  dispose(): void {
    this.bound.clear();
    this.passes.dispose();
  }
}
