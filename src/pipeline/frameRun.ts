// One frame through the stage table: the frame's state as the stages see it, its command
// encoder, and the loop that runs the table with per-stage timings.
import type { StageTimer } from '../gpu/stageTimer';
import type { OutputType } from '../options';
import type { DepthStats } from '../types/frame';
import type { CoarseMask } from '../types/network';
import { isOutputStage, type FrameSetup, type FrameState, type MaskRegion, type Stage } from './stage';
import type { StandingSplit } from './standing';

/** Wall-clock milliseconds of a frame's run (see FrameStats). */
export interface RunTimes {
  /** The import stage. */
  import: number;
  /** From the import's end to the end of the last stage that awaited (the base network runs). */
  segment: number;
  /** performance.now() when the last awaited stage ended: the GPU time of the frame runs from here. */
  encodeStart: number;
}

// The setup's fields are copied onto the FrameRun by its constructor; this declaration gives them their types.
export interface FrameRun extends FrameSetup {}

/** The FrameState of one frame (see FrameState); `finish()` submits what is left. */
export class FrameRun implements FrameState {
  readonly width: number;
  readonly height: number;
  view: OutputType;
  fullMask: CoarseMask | null = null;
  region: MaskRegion | null = null;
  standing: StandingSplit | null = null;
  depthStats: DepthStats | null = null;
  private open: GPUCommandEncoder | null = null;
  private readonly submitted: (() => void)[] = [];

  constructor(setup: FrameSetup) {
    Object.assign(this, setup);
    this.width = setup.textures.width;
    this.height = setup.textures.height;
    this.view = setup.options.view;
  }

  encoder(): GPUCommandEncoder {
    this.open ??= this.device.createCommandEncoder({ label: `frame ${this.index}` });
    return this.open;
  }

  submit(): void {
    if (!this.open) return;
    const encoder = this.open;
    this.open = null;
    this.device.queue.submit([encoder.finish()]);
  }

  afterSubmit(callback: () => void): void {
    this.submitted.push(callback);
  }

  /** Submits the open encoder, then runs the afterSubmit callbacks. */
  finish(): void {
    this.submit();
    for (const callback of this.submitted.splice(0)) callback();
  }

  /** Records the output stages again (a read-back of another view, or back to options.view), submitted. */
  renderView(stages: readonly Stage[], view: OutputType): void {
    this.view = view;
    for (const stage of stages) if (isOutputStage(stage) && stage.enabled(this)) stage.run(this);
    this.submit();
  }
}

/**
 * Runs the table on one frame, in order, each enabled stage once; then submits (FrameRun.finish).
 * @param timer per-stage GPU timestamps (options.stageTimings), or null
 * @param onStage told each stage's name as it ends (the worker's progress signal)
 * @returns the frame's wall-clock times (the GPU work is not awaited here)
 * @throws whatever a stage throws (the frame is then abandoned: nothing more is submitted)
 */
export async function runStages(stages: readonly Stage[], frame: FrameRun, timer: StageTimer | null, onStage: (name: string) => void): Promise<RunTimes> {
  const t0 = performance.now();
  let importEnd = t0;
  let awaitedEnd = t0;
  timer?.begin();
  timer?.markNow('start');
  for (const stage of stages) {
    if (!stage.enabled(frame)) continue;
    const pending = stage.run(frame);
    if (pending) {
      await pending;
      awaitedEnd = performance.now();
      if (stage.name === 'import') importEnd = awaitedEnd;
      if (stage.timed) timer?.markNow(stage.name);
    } else if (stage.timed) {
      timer?.mark(frame.encoder(), stage.name);
    }
    onStage(stage.name);
  }
  frame.finish();
  return { import: importEnd - t0, segment: awaitedEnd - importEnd, encodeStart: awaitedEnd };
}
