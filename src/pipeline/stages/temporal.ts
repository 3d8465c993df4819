// Stage `temporal`: motion-compensated smoothing of alpha over frames.
import { createTemporalPass } from '../../gpu/passes/temporal';
import { Memo } from '../memo';
import type { Binding, FrameState, Stage } from '../stage';

/**
 * alphaOut = alpha blended with the previous frame's alphaOut along the frame's motion (block
 * matching within ±TEMPORAL_SEARCH px) where the matched block did not change
 * (options.temporalSmoothing, shaders/temporal.wgsl), to stop edge flicker; with a captured plate,
 * whose matte flickers little, without the motion compensation (where the pixel itself did not
 * change: the compensated rule's stronger smoothing lags where the person moves fast, and costs
 * more there than it gains; measured in README, *Background memory*); then keeps this
 * frame's alphaOut and frame as the next one's history. The first frame after a reset (new size,
 * plate or model) has no history.
 */
export class TemporalStage implements Stage {
  readonly name = 'temporal';
  readonly timed = true;
  readonly reads = ['frame', 'framePrev', 'alpha', 'alphaPrev'] as const;
  readonly writes = ['alphaOut', 'alphaPrev', 'framePrev'] as const;
  private readonly pass;
  private readonly bound = new Memo<Binding<typeof createTemporalPass>>();
  /** Whether alphaPrev and framePrev hold an earlier frame. */
  private hasHistory = false;

  constructor(device: GPUDevice) {
    this.pass = createTemporalPass(device);
  }

  enabled(frame: FrameState): boolean {
    return frame.matting !== 'none';
  }

  run(frame: FrameState): void {
    const t = frame.textures;
    const { width, height } = frame;
    this.pass.setParams(frame.options.temporalSmoothing, this.hasHistory, frame.plateSource !== 'captured');
    const b = this.bound.get([t], () => this.pass.bind({ frame: t.frame, framePrev: t.framePrev, alpha: t.alpha, alphaPrev: t.alphaPrev, alphaOut: t.alphaOut }));
    const encoder = frame.encoder();
    this.pass.encode(encoder, b);
    encoder.copyTextureToTexture({ texture: t.alphaOut }, { texture: t.alphaPrev }, [width, height]);
    encoder.copyTextureToTexture({ texture: t.frame }, { texture: t.framePrev }, [width, height]);
    this.hasHistory = true;
  }

  reset(): void {
    this.hasHistory = false;
  }

  dispose(): void {
    this.bound.clear();
    this.pass.dispose();
  }
}
