// Stage `standing`: a standing speaker seen by the base network as two squares.
import { createDownsamplePass } from '../../gpu/passes/downsample';
import { stageSize } from '../frameTextures';
import { Memo } from '../memo';
import type { Binding, FrameState, Stage } from '../stage';
import { blendSquares, networkCropForSquare, standingSquares } from '../standing';

/**
 * Standing-speaker mode (options.standing; Virtual Stage, Microsoft / Plain Concepts, 2020): when
 * the whole frame's mask shows a standing, full-body framing (standingSquares), the base network
 * runs on a top and a bottom square, each widened to its input aspect with the frame's own
 * pixels, and their masks are blended over the squares' union with a feathered seam into
 * FrameTextures.maskStage (lowWidth × 2·lowWidth); the union, downsampled, is its guide. Other
 * framings leave the frame to the region-of-interest stage. CPU base networks only (it reads the
 * whole frame's mask on the CPU).
 */
export class StandingSplitStage implements Stage {
  readonly name = 'standing';
  readonly timed = true;
  readonly reads = ['input', 'frame'] as const;
  readonly writes = ['maskStage', 'guideStage'] as const;
  private readonly downsample;
  private readonly bound = new Memo<Binding<typeof createDownsamplePass>>();

  constructor(device: GPUDevice) {
    this.downsample = createDownsamplePass(device, 'downsample-stage');
  }

  enabled(frame: FrameState): boolean {
    return frame.matting === 'classic' && frame.options.standing && frame.fullMask !== null && frame.network.kind === 'cpu';
  }

  async run(frame: FrameState): Promise<void> {
    const { network, textures: t } = frame;
    const full = frame.fullMask!;
    if (network.kind !== 'cpu') return;
    const split = standingSquares(full.pha, full.width, full.height, t.width, t.height);
    if (!split) return;
    const { width, height } = network;
    const crops = { top: networkCropForSquare(split.top, width, height), bottom: networkCropForSquare(split.bottom, width, height) };
    const [top, bottom] = [crops.top, crops.bottom].map((c) => frame.input.crop(c, width, height));
    const topMask = await network.segment(await top!);
    const bottomMask = await network.segment(await bottom!);
    const size = stageSize(width);
    frame.device.queue.writeBuffer(t.maskStage, 0, blendSquares(topMask, bottomMask, split, crops, size.width, size.height));
    this.downsample.setRect(split.union);
    this.downsample.encode(frame.encoder(), this.bound.get([t], () => this.downsample.bind({ src: t.frame, dst: t.guideStage })));
    frame.standing = split;
    frame.region = { kind: 'standing', rect: split.union, mask: t.maskStage, guide: t.guideStage, ...size };
  }

  dispose(): void {
    this.bound.clear();
    this.downsample.dispose();
  }
}
