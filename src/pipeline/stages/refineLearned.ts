// Stage `refine` on the BGMv2 path: BackgroundMattingV2's learned refiner on the selected tiles.
import { createRefineLearnedPass } from '../../gpu/passes/refineLearned';
import { createSelectTilesPass } from '../../gpu/passes/selectTiles';
import type { LearnedModel } from '../learnedModel';
import { LazyPasses } from '../lazyPasses';
import { Memo } from '../memo';
import type { Binding, FrameState, Stage } from '../stage';
import { tileBudget } from './refine';

interface Bound {
  select: Binding<typeof createSelectTilesPass>;
  refine: Binding<typeof createRefineLearnedPass>;
}

/**
 * Tiles selected on BGMv2's err as the classic refine stage selects them, the prior copied to
 * alpha, then BGMv2's refiner (8×8 half-resolution crops, 42→24→16, then full-resolution
 * 22→12→4; shaders/refine_learned.wgsl) on the selected tiles only, one workgroup per tile,
 * writing alpha and F there.
 */
export class RefineLearnedStage implements Stage {
  readonly name = 'refine';
  readonly timed = true;
  readonly reads = ['frame', 'plate', 'prior', 'err'] as const;
  readonly writes = ['tiles', 'alpha', 'fgr'] as const;
  private readonly passes;
  private readonly bound = new Memo<Bound>();

  constructor(device: GPUDevice) {
    this.passes = new LazyPasses(() => ({ select: createSelectTilesPass(device), refine: createRefineLearnedPass(device) }));
  }

  enabled(frame: FrameState): boolean {
    return frame.matting === 'bgmv2';
  }

  run(frame: FrameState): void {
    const learned: LearnedModel = frame.learned!;
    const plate = frame.plate!;
    const { options, textures: t } = frame;
    const { select, refine } = this.passes.get();
    const { base } = learned;
    select.setParams(options.refineMode, tileBudget(frame), options.refineThreshold, t.tiles);
    const b = this.bound.get([t, plate, learned], () => ({
      select: select.bind({ err: t.err, buffers: t.tiles }),
      refine: refine.bind({
        src: t.frame,
        bgr: plate,
        coarse: { pha: base.pha, fgr: learned.residual, hid: base.hid, width: base.width, height: base.height },
        buffers: t.tiles,
        weights: learned.weights,
        alpha: t.alpha,
        fgr: t.fgr,
      }),
    }));
    const encoder = frame.encoder();
    select.encode(encoder, b.select);
    encoder.copyTextureToTexture({ texture: t.prior }, { texture: t.alpha }, [frame.width, frame.height]);
    refine.encode(encoder, b.refine);
  }

  dispose(): void {
    this.bound.clear();
    this.passes.dispose();
  }
}
