// Stage `plate`: how the frame's background compares with the plate.
import { createPlateStatsPass, PLATE_STATS_BYTES, PLATE_STATS_SCALE } from '../../gpu/passes/plateStats';
import type { PlateFit } from '../../types/frame';
import { Memo } from '../memo';
import type { Binding, FrameState, Stage } from '../stage';

/**
 * Plate fit is measured every PLATE_FIT_FRAMES frames or PLATE_FIT_MS milliseconds, whichever
 * comes first (each a 32-byte read-back, not awaited; only with a plate).
 */
const PLATE_FIT_FRAMES = 30;
const PLATE_FIT_MS = 1000;

/**
 * With a plate: sums of frame and plate colours where the prior says background, at 1/4
 * resolution (shaders/plate_stats.wgsl), into FrameTextures.stats — the gain the coarse stage
 * and the refiner correct the plate by (exposure, white balance) — and, every so often, their
 * read-back as the plate fit (`plateFit`: brightness drift, difference, stale). Without a plate
 * the statistics are cleared (the passes that read them then take no gain).
 */
export class PlateStatsStage implements Stage {
  readonly name = 'plate';
  readonly timed = true;
  readonly reads = ['frame', 'plate', 'prior'] as const;
  readonly writes = ['stats'] as const;
  /** The last plate-fit measurement of the captured plate, null without one or before the first. */
  plateFit: PlateFit | null = null;
  private readonly pass;
  private readonly bound = new Memo<Binding<typeof createPlateStatsPass>>();
  private fitBuffer: GPUBuffer | null = null;
  private fitPending = false;
  private lastFitAt = 0;

  constructor(private readonly device: GPUDevice) {
    this.pass = createPlateStatsPass(device);
  }

  enabled(frame: FrameState): boolean {
    return frame.matting !== 'none';
  }

  run(frame: FrameState): void {
    const { plate, textures: t } = frame;
    const encoder = frame.encoder();
    if (!plate) {
      encoder.clearBuffer(t.stats);
      return;
    }
    this.pass.encode(encoder, this.bound.get([t, plate], () => this.pass.bind({ frame: t.frame, plate, prior: t.prior, stats: t.stats })));
    // The plate fit tells the user about their captured plate; the background memory measures itself.
    if (frame.plateSource !== 'captured') return;
    const now = performance.now();
    if (this.fitPending || (frame.index % PLATE_FIT_FRAMES !== 0 && now - this.lastFitAt < PLATE_FIT_MS)) return;
    this.lastFitAt = now;
    this.fitBuffer ??= this.device.createBuffer({ label: 'plate fit read-back', size: PLATE_STATS_BYTES, usage: GPUBufferUsage.COPY_DST | GPUBufferUsage.MAP_READ });
    encoder.copyBufferToBuffer(t.stats, 0, this.fitBuffer, 0, PLATE_STATS_BYTES);
    frame.afterSubmit(() => this.readFit(this.fitBuffer!));
  }

  /** Forgets the measurement (a new plate). */
  clearFit(): void {
    this.plateFit = null;
  }

  /** Maps the statistics copied this frame, without waiting for them. */
  private readFit(buffer: GPUBuffer): void {
    this.fitPending = true;
    buffer
      .mapAsync(GPUMapMode.READ)
      .then(() => {
        this.plateFit = plateFitFromStats(new Uint32Array(buffer.getMappedRange().slice(0)));
        buffer.unmap();
      })
      .catch((err: unknown) => {
        // A lost device or a dispose() while mapping: the next measurement will try again.
        console.warn(`bg-replacer: plate fit not measured: ${String(err)}`);
      })
      .finally(() => {
        this.fitPending = false;
        if (this.fitBuffer !== buffer) buffer.destroy();
      });
  }

  dispose(): void {
    this.bound.clear();
    if (!this.fitPending) this.fitBuffer?.destroy();
    this.fitBuffer = null;
    this.pass.dispose();
  }
}

/**
 * Plate fit from the plate statistics (fixed point ×1024, see shaders/plate_stats.wgsl).
 * @param stats [ΣI.rgb, ΣB.rgb, Σ|I−B|, count]
 * @returns null when too little background was visible to judge
 */
export function plateFitFromStats(stats: Uint32Array): PlateFit | null {
  const count = stats[7]!;
  if (count < 16) return null;
  const luma = (r: number, g: number, b: number): number => 0.299 * r + 0.587 * g + 0.114 * b;
  const frameLuma = luma(stats[0]!, stats[1]!, stats[2]!);
  const plateLuma = luma(stats[3]!, stats[4]!, stats[5]!);
  const brightness = plateLuma > 0 ? frameLuma / plateLuma : 1;
  const difference = stats[6]! / PLATE_STATS_SCALE / count;
  return { brightness, difference, stale: Math.abs(brightness - 1) > 0.15 || difference > 0.08 };
}
