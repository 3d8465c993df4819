// Stage `coarse`: where the prior is likely wrong, and the colours either side of its edge.
import { createCoarsePass } from '../../gpu/passes/coarse';
import { createPushPullPass } from '../../gpu/passes/pushPull';
import { Memo } from '../memo';
import { refinesPrior, type Binding, type FrameState, type Stage } from '../stage';

/**
 * BackgroundMattingV2's coarse step, classical: at 1/4 resolution the predicted error `err` of
 * the prior (its uncertainty, and with a plate where frame and gain-corrected plate disagree with
 * it) and the foreground / background colour seeds (shaders/coarse.wgsl), then the seeds filled
 * outward by push-pull (shaders/pushpull.wgsl) so every texel has a nearby foreground and
 * background colour for the refiner.
 */
export class CoarseStage implements Stage {
  readonly name = 'coarse';
  readonly timed = true;
  readonly reads = ['frame', 'plate', 'prior', 'stats'] as const;
  readonly writes = ['err', 'fgSeed', 'bgSeed', 'fgFill', 'bgFill'] as const;
  private readonly coarse;
  private readonly fillFg;
  private readonly fillBg;
  private readonly bound = new Memo<Binding<typeof createCoarsePass>>();
  private readonly fills = new Memo<{ fg: Binding<typeof createPushPullPass>; bg: Binding<typeof createPushPullPass> }>();

  constructor(device: GPUDevice) {
    this.coarse = createCoarsePass(device);
    this.fillFg = createPushPullPass(device, 'fill-fg');
    this.fillBg = createPushPullPass(device, 'fill-bg');
  }

  enabled(frame: FrameState): boolean {
    return refinesPrior(frame.matting);
  }

  run(frame: FrameState): void {
    const t = frame.textures;
    // Without a plate the pass is given the frame in its place (same size, unused).
    const plate = frame.plate ?? t.frame;
    this.coarse.setHasPlate(frame.plate !== null);
    const b = this.bound.get([t, plate], () =>
      this.coarse.bind({ frame: t.frame, plate, prior: t.prior, stats: t.stats, err: t.err, fgSeed: t.fgSeed, bgSeed: t.bgSeed }),
    );
    const fills = this.fills.get([t], () => ({ fg: this.fillFg.bind({ seed: t.fgSeed, filled: t.fgFill }), bg: this.fillBg.bind({ seed: t.bgSeed, filled: t.bgFill }) }));
    const encoder = frame.encoder();
    this.coarse.encode(encoder, b);
    this.fillFg.encode(encoder, fills.fg);
    this.fillBg.encode(encoder, fills.bg);
  }

  dispose(): void {
    this.bound.clear();
    this.fills.clear();
    this.coarse.dispose();
    this.fillFg.dispose();
    this.fillBg.dispose();
  }
}
