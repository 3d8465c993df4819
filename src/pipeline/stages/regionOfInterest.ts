// Stage `roi`: the base network again on the person's region of interest.
import { createDownsamplePass } from '../../gpu/passes/downsample';
import { createRoiBoxPass, RECT_BYTES } from '../../gpu/passes/roiBox';
import { createTensorFromTexturePass } from '../../gpu/passes/tensorFromTexture';
import type { Rect } from '../../types/geometry';
import type { CpuBaseNetwork, GpuBaseNetwork } from '../../types/network';
import { Memo } from '../memo';
import { nextRoi, ROI_MARGIN, ROI_MAX_AREA, ROI_PASSES } from '../roi';
import type { Binding, FrameState, Stage } from '../stage';

/** The GPU path's bind groups for one set of frame textures and one network. */
interface GpuBound {
  downsample: Binding<typeof createDownsamplePass>;
  tensor: Binding<typeof createTensorFromTexturePass>;
  /** ROI step k reads the mask over rects[k] and writes rects[k + 1]. */
  steps: GPUBindGroup[];
}

/**
 * When the person does not fill the frame, the base network runs again on their region of
 * interest, re-centred from each pass's own mask (quality.roiPasses passes, ROI_PASSES at the best
 * level), so it sees the person larger, closer to the selfie framing it was trained on (the ROI
 * idea of MediaPipe's tracking graphs). Writes the last pass's mask into FrameTextures.maskRoi and
 * the region downsampled into guideRoi, and sets `frame.region`. A CPU network's regions come
 * from nextRoi on the CPU; a GPU network's from roi_box.wgsl (the twin of personRoi), the
 * rectangles staying in GPU buffers that are copied into the passes' uniforms, so nothing is
 * read back: every pass runs (one that finds no zoom repeats the previous rectangle), so the
 * result equals the CPU path's. Runs when the standing split did not take the frame.
 */
export class RegionOfInterestStage implements Stage {
  readonly name = 'roi';
  readonly timed = true;
  readonly reads = ['input', 'frame', 'maskFull'] as const;
  readonly writes = ['maskRoi', 'guideRoi'] as const;
  /** The last frame's region (frame pixels) when it was smaller than the frame; null otherwise or on the GPU path. */
  roi: Rect | null = null;
  private readonly downsample;
  private readonly cpuBound = new Memo<Binding<typeof createDownsamplePass>>();
  private gpu: { roiBox: ReturnType<typeof createRoiBoxPass>; toTensor: ReturnType<typeof createTensorFromTexturePass>; rects: GPUBuffer[]; bound: Memo<GpuBound> } | null = null;

  constructor(private readonly device: GPUDevice) {
    this.downsample = createDownsamplePass(device, 'downsample-roi');
  }

  enabled(frame: FrameState): boolean {
    return frame.matting === 'classic' && frame.region === null;
  }

  run(frame: FrameState): Promise<void> {
    return frame.network.kind === 'gpu' ? this.onGpu(frame, frame.network) : this.onCpu(frame, frame.network);
  }

  private async onCpu(frame: FrameState, network: CpuBaseNetwork): Promise<void> {
    const t = frame.textures;
    const full = frame.fullMask!;
    const whole: Rect = { x: 0, y: 0, width: t.width, height: t.height };
    let rect = whole;
    let roiMask = full;
    for (let pass = 0; pass < frame.quality.roiPasses; pass++) {
      const next = nextRoi(roiMask.pha, roiMask.width, roiMask.height, rect);
      if (next === rect) break;
      rect = next;
      roiMask = await network.segment(await frame.input.crop(rect, network.width, network.height));
    }
    this.device.queue.writeBuffer(t.maskRoi, 0, roiMask.pha);
    this.downsample.setRect(rect);
    this.downsample.encode(frame.encoder(), this.cpuBound.get([t], () => this.downsample.bind({ src: t.frame, dst: t.guideRoi })));
    this.roi = rect === whole ? null : rect;
    frame.region = { kind: 'roi', rect, mask: t.maskRoi, guide: t.guideRoi, width: network.width, height: network.height };
  }

  private async onGpu(frame: FrameState, network: GpuBaseNetwork): Promise<void> {
    const { device } = this;
    const t = frame.textures;
    this.gpu ??= {
      roiBox: createRoiBoxPass(device, network.width, network.height, ROI_MARGIN, ROI_MAX_AREA),
      toTensor: createTensorFromTexturePass(device),
      rects: Array.from({ length: ROI_PASSES + 1 }, (_, i) =>
        device.createBuffer({ label: `roi rect ${i}`, size: RECT_BYTES, usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC | GPUBufferUsage.COPY_DST }),
      ),
      bound: new Memo<GpuBound>(),
    };
    const { roiBox, toTensor, rects } = this.gpu;
    const b = this.gpu.bound.get([t, network], () => ({
      downsample: this.downsample.bind({ src: t.frame, dst: t.guideRoi }),
      tensor: toTensor.bind({ src: t.guideRoi, tensor: network.input }),
      steps: Array.from({ length: ROI_PASSES }, (_, pass) => roiBox.bind({ mask: pass === 0 ? t.maskFull : t.maskRoi, prev: rects[pass]!, next: rects[pass + 1]! })),
    }));
    device.queue.writeBuffer(rects[0]!, 0, new Float32Array([0, 0, t.width, t.height]));
    const passes = frame.quality.roiPasses;
    if (passes === 0) {
      // No ROI pass: the ROI guide and mask are the whole frame's.
      const encoder = frame.encoder();
      encoder.copyBufferToBuffer(rects[0]!, 0, this.downsample.rectTarget, 0, RECT_BYTES);
      this.downsample.encode(encoder, b.downsample);
      encoder.copyBufferToBuffer(t.maskFull, 0, t.maskRoi, 0, t.maskFull.size);
    }
    for (let pass = 0; pass < passes; pass++) {
      const encoder = frame.encoder();
      roiBox.encode(encoder, b.steps[pass]!);
      encoder.copyBufferToBuffer(rects[pass + 1]!, 0, this.downsample.rectTarget, 0, RECT_BYTES);
      this.downsample.encode(encoder, b.downsample);
      toTensor.encode(encoder, b.tensor);
      frame.submit();
      await network.run(t.maskRoi);
    }
    this.roi = null;
    frame.region = { kind: 'roi', rect: rects[passes]!, mask: t.maskRoi, guide: t.guideRoi, width: network.width, height: network.height };
  }

  dispose(): void {
    this.cpuBound.clear();
    this.downsample.dispose();
    if (this.gpu) {
      this.gpu.roiBox.dispose();
      this.gpu.toTensor.dispose();
      for (const rect of this.gpu.rects) rect.destroy();
      this.gpu = null;
    }
  }
}
