// Stage `upsample`: the coarse masks to a full-resolution prior, edge-aware.
import { DEFAULT_UPSAMPLE_PARAMS } from '../../gpu/params/upsample';
import { RECT_BYTES } from '../../gpu/passes/roiBox';
import { createUpsampleMaskPass } from '../../gpu/passes/upsampleMask';
import type { Rect } from '../../types/geometry';
import { Memo } from '../memo';
import type { Binding, FrameState, MaskRegion, Stage } from '../stage';

/**
 * Joint bilateral upsampling of the whole frame's mask and the second mask (frame.region: the
 * region of interest's or the standing squares') to the segmentation prior at full resolution,
 * guided by the frame so its edges follow the image (Kopf et al., SIGGRAPH 2007;
 * shaders/upsample_mask.wgsl), with options.edgeSensitivity as the range sigma. One pass
 * instance per kind of region, each with its own rectangle uniform.
 */
export class UpsamplePriorStage implements Stage {
  readonly name = 'upsample';
  readonly timed = true;
  readonly reads = ['frame', 'guideLow', 'maskFull', 'guideRoi', 'maskRoi', 'guideStage', 'maskStage'] as const;
  readonly writes = ['prior'] as const;
  private readonly passes;
  private readonly bound = { roi: new Memo<Binding<typeof createUpsampleMaskPass>>(), standing: new Memo<Binding<typeof createUpsampleMaskPass>>() };

  constructor(device: GPUDevice) {
    this.passes = { roi: createUpsampleMaskPass(device), standing: createUpsampleMaskPass(device) };
  }

  enabled(frame: FrameState): boolean {
    return frame.matting === 'classic';
  }

  run(frame: FrameState): void {
    const t = frame.textures;
    const region: MaskRegion = frame.region!;
    const pass = this.passes[region.kind];
    const params = { ...DEFAULT_UPSAMPLE_PARAMS, sigmaRange: frame.options.edgeSensitivity };
    const encoder = frame.encoder();
    if ('x' in region.rect) {
      pass.setParams(params, region.rect);
    } else {
      // A GPU base network's region: the rectangle is copied into the uniform on the GPU.
      const whole: Rect = { x: 0, y: 0, width: t.width, height: t.height };
      pass.setParams(params, whole);
      encoder.copyBufferToBuffer(region.rect, 0, pass.rectTarget, 0, RECT_BYTES);
    }
    const b = this.bound[region.kind].get([t, region.guide, region.mask], () =>
      pass.bind({ frame: t.frame, guideFull: t.guideLow, maskFull: t.maskFull, guideRoi: region.guide, maskRoi: region.mask, alpha: t.prior }),
    );
    pass.encode(encoder, b);
  }

  dispose(): void {
    this.bound.roi.clear();
    this.bound.standing.clear();
    this.passes.roi.dispose();
    this.passes.standing.dispose();
  }
}
