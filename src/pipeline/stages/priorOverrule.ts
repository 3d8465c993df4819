// Stage `overrule`: the background memory overrules the segmentation prior where it knows better.
import { createPriorOverrulePass } from '../../gpu/passes/priorOverrule';
import { Memo } from '../memo';
import { refinesPrior, type Binding, type FrameState, type Stage } from '../stage';

/**
 * With the background memory as the frame's plate: the prior is set to background on 4×4
 * blocks where the memory knows the background all around and the frame matches it
 * (shaders/prior_overrule.wgsl) — a chair back, a desk edge or a wheel the segmenter took for
 * part of the person, which no refinement of edges removes. Runs after the plate statistics
 * (its gain) and before the coarse stage (which then sees the overruled prior).
 */
export class PriorOverruleStage implements Stage {
  readonly name = 'overrule';
  readonly timed = false;
  readonly reads = ['frame', 'plate', 'stats'] as const;
  readonly writes = ['prior'] as const;
  private readonly pass;
  private readonly bound = new Memo<Binding<typeof createPriorOverrulePass>>();

  constructor(device: GPUDevice) {
    this.pass = createPriorOverrulePass(device);
  }

  enabled(frame: FrameState): boolean {
    return refinesPrior(frame.matting) && frame.plateSource === 'memory';
  }

  run(frame: FrameState): void {
    const t = frame.textures;
    const plate = frame.plate!;
    const b = this.bound.get([t, plate], () => this.pass.bind({ frame: t.frame, plate, stats: t.stats, prior: t.prior }));
    this.pass.encode(frame.encoder(), b);
  }

  dispose(): void {
    this.bound.clear();
  }
}
