// Stage `composite`: αF + (1 − α)B′, or a debug view.
import { parseHexColor } from '../../options';
import { COMPOSITE_MODE, COMPOSITE_VIEW, coverFit } from '../../gpu/params/composite';
import { createCompositePass } from '../../gpu/passes/composite';
import { Memo } from '../memo';
import type { Binding, FrameState, OutputStage } from '../stage';

/**
 * The output (FrameTextures.output, rgba8unorm): αF + (1 − α)B′ with F the refined foreground
 * where the refiner wrote it, RVM's foreground on the RVM path, and the frame elsewhere, and B′ the blurred background, the
 * cover-fitted image, the colour, or the frame itself (`off`); or the view `frame.view` asks for
 * (pha, fgr, err, ref) — shaders/composite.wgsl.
 */
export class CompositeStage implements OutputStage {
  readonly name = 'composite';
  readonly timed = true;
  readonly output = true;
  readonly reads = ['frame', 'alphaOut', 'blurA', 'background', 'fgr', 'err'] as const;
  readonly writes = ['output'] as const;
  private readonly pass;
  private readonly bound = new Memo<Binding<typeof createCompositePass>>();

  constructor(device: GPUDevice) {
    this.pass = createCompositePass(device);
  }

  enabled(): boolean {
    return true;
  }

  run(frame: FrameState): void {
    const { options, background, textures: t } = frame;
    this.pass.setParams({
      mode: COMPOSITE_MODE[options.mode],
      view: COMPOSITE_VIEW[frame.view],
      color: parseHexColor(options.color),
      ...coverFit(frame.width, frame.height, background.width, background.height),
    });
    const b = this.bound.get([t, background], () =>
      this.pass.bind({ frame: t.frame, alpha: t.alphaOut, blurred: t.blurA, background, fgr: t.fgr, err: t.err, output: t.output }),
    );
    this.pass.encode(frame.encoder(), b);
  }

  dispose(): void {
    this.bound.clear();
    this.pass.dispose();
  }
}
