// Stage `refine`: the sparse refiner, classical.
import { createRefineTilesPass } from '../../gpu/passes/refineTiles';
import { createSelectTilesPass, TILE_SIZE } from '../../gpu/passes/selectTiles';
import { Memo } from '../memo';
import { refinesPrior, type Binding, type FrameState, type Stage } from '../stage';

/**
 * The refine budget in tiles: options.refineBudget of the frame's pixels, scaled by the
 * adaptive-quality level (`sampling` mode; the other modes ignore it).
 * @returns whole TILE_SIZE×TILE_SIZE tiles, ≥ 0
 */
export function tileBudget(frame: FrameState): number {
  return Math.floor((frame.options.refineBudget * frame.quality.budgetScale * frame.width * frame.height) / (TILE_SIZE * TILE_SIZE));
}

/**
 * BackgroundMattingV2's sparse refinement (Lin, Ryabtsev et al., CVPR 2021) with classical
 * matting in place of its network: 8×8 tiles are selected on the coarse error (options.refineMode:
 * top-k within the budget, over a threshold, or all; shaders/select_tiles.wgsl, into a compact
 * list and indirect dispatch arguments), the prior is copied to alpha, and the refiner runs on the
 * listed tiles only (shaders/refine_tiles.wgsl): with a plate, alpha from the known background
 * (shared sampling of foreground candidates, Gastal & Oliveira 2010); without, a colour guided
 * filter of the prior (He et al. 2013); and the foreground colour F into FrameTextures.fgr.
 * On the RVM path tiles are refined only where the background is known (a plate, or the
 * background memory): elsewhere RVM's alpha is kept as it is.
 */
export class RefineStage implements Stage {
  readonly name = 'refine';
  readonly timed = true;
  readonly reads = ['frame', 'prior', 'plate', 'err', 'fgFill', 'bgFill', 'stats'] as const;
  readonly writes = ['tiles', 'alpha', 'fgr'] as const;
  private readonly select;
  private readonly refine;
  private readonly bound = new Memo<{ select: Binding<typeof createSelectTilesPass>; refine: Binding<typeof createRefineTilesPass> }>();

  constructor(device: GPUDevice) {
    this.select = createSelectTilesPass(device);
    this.refine = createRefineTilesPass(device);
  }

  enabled(frame: FrameState): boolean {
    return refinesPrior(frame.matting);
  }

  run(frame: FrameState): void {
    const { options, textures: t } = frame;
    const plate = frame.plate ?? t.frame;
    this.refine.setParams(frame.plate !== null);
    // RVM's alpha where no background is known: the guided filter would only soften its edges
    // (measured on ../shared/eval/dev, README *Robust Video Matting*), so no tile is selected.
    const keepsPrior = frame.matting === 'rvm' && frame.plate === null;
    this.select.setParams(keepsPrior ? 'sampling' : options.refineMode, keepsPrior ? 0 : tileBudget(frame), options.refineThreshold, t.tiles);
    const b = this.bound.get([t, plate], () => ({
      select: this.select.bind({ err: t.err, buffers: t.tiles }),
      refine: this.refine.bind({ frame: t.frame, prior: t.prior, plate, fgFill: t.fgFill, bgFill: t.bgFill, stats: t.stats, buffers: t.tiles, alpha: t.alpha, fgr: t.fgr }),
    }));
    const encoder = frame.encoder();
    this.select.encode(encoder, b.select);
    encoder.copyTextureToTexture({ texture: t.prior }, { texture: t.alpha }, [frame.width, frame.height]);
    this.refine.encode(encoder, b.refine);
  }

  dispose(): void {
    this.bound.clear();
    this.select.dispose();
    this.refine.dispose();
  }
}
