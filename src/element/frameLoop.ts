/**
 * The frame loop of a BackgroundReplacer: reads the input (a camera track or a depth source),
 * routes each frame (pass through, drop while the engine is busy, or process) and writes the
 * results to the output track. Every VideoFrame read is closed exactly once: by the output
 * (written), by the engine (transferred), or here (dropped, or after a failure).
 */
import * as Comlink from 'comlink';
import { ReplacerError } from '../errors';
import { createTrackOutput, type TrackOutput } from '../output/trackOutput';
import type { FrameReader } from '../sources/trackFrames';
import type { DepthInput } from '../types/frame';
import type { ProcessResult } from '../worker/protocol';
import type { ReplacerReporter } from './replacerStats';
import type { EngineSupervisor } from './supervisor';
import { toReplacerError } from './toReplacerError';
import { FRAME_STALL_LIMIT_MS } from './watchdog';

/** One process() call: a reader of the input and the output it feeds. */
interface Pipeline {
  readonly reader: FrameReader;
  /** The depth of each frame read, for a depth source (processDepthSource). */
  readonly depthOf?: WeakMap<VideoFrame, DepthInput>;
  readonly output: TrackOutput;
  stopped: boolean;
}

/** What the frame loop tells the plate capture. */
export interface FrameLoopEvents {
  /** An input frame, before it is routed; it stays the loop's (read it synchronously). */
  frame(frame: VideoFrame): void;
  /** The current pipeline's input ended or failed (not stopped by stop() or a new start()). */
  inputEnded(): void;
}

/** Runs one pipeline at a time; see the module comment. */
export class FrameLoop {
  private pipeline: Pipeline | null = null;
  /** True while a frame is with the engine: later frames are dropped meanwhile. */
  private busy = false;
  /** Frames failed in a row: only the first of a streak is reported. */
  private failureStreak = 0;

  constructor(
    private readonly engine: EngineSupervisor,
    private readonly report: ReplacerReporter,
    private readonly events: FrameLoopEvents,
  ) {}

  /** True while a pipeline reads its input. */
  get running(): boolean {
    return this.pipeline !== null && !this.pipeline.stopped;
  }

  /**
   * Replaces the current pipeline (its output ends) with one reading `reader`.
   * @param depthOf the depth of each frame `reader` yields, for a depth source
   * @returns the new output stream
   */
  start(reader: FrameReader, depthOf?: WeakMap<VideoFrame, DepthInput>): MediaStream {
    this.stop();
    const pipeline: Pipeline = { reader, ...(depthOf ? { depthOf } : {}), output: createTrackOutput(), stopped: false };
    this.pipeline = pipeline;
    this.report.pipelineStarted();
    void this.run(pipeline);
    return pipeline.output.stream;
  }

  /** Stops the current pipeline, if any: its reader stops and its output ends. */
  stop(): void {
    if (this.pipeline) this.stopPipeline(this.pipeline);
  }

  /** The engine was replaced or failed: the frame it had is gone, so the next one may be sent. */
  engineReset(): void {
    this.busy = false;
  }

  private stopPipeline(pipeline: Pipeline): void {
    pipeline.stopped = true;
    pipeline.reader.stop();
    pipeline.output.close();
    if (this.pipeline === pipeline) this.pipeline = null;
  }

  private async run(pipeline: Pipeline): Promise<void> {
    try {
      for await (const frame of pipeline.reader) {
        if (pipeline.stopped) {
          frame.close();
          break;
        }
        this.events.frame(frame);
        await this.route(frame, pipeline);
      }
      if (!pipeline.stopped) this.report.ended();
    } catch (err) {
      if (!pipeline.stopped) this.report.error(toReplacerError(err, { code: 'corrupt-input', context: 'Reading the camera failed' }));
    } finally {
      pipeline.stopped = true;
      pipeline.output.close();
      if (this.pipeline === pipeline) {
        this.pipeline = null;
        this.events.inputEnded();
      }
    }
  }

  /** Routes one input frame: pass through, drop (engine busy) or process. Owns `frame`. */
  private async route(frame: VideoFrame, pipeline: Pipeline): Promise<void> {
    const { mode, view } = this.engine.options;
    if (this.engine.state !== 'ready' || (mode === 'off' && view === 'com')) {
      await this.deliver(frame, pipeline, 'passedThrough');
    } else if (this.busy) {
      frame.close();
      this.report.count('dropped');
    } else {
      this.busy = true;
      this.process(frame, pipeline).catch((err: unknown) => {
        this.busy = false;
        this.report.error(toReplacerError(err, { code: 'engine-failed', context: 'A frame could not be processed' }));
      });
    }
  }

  /** Sends one frame to the engine and writes the result, or the original if it failed. */
  private async process(frame: VideoFrame, pipeline: Pipeline): Promise<void> {
    const original = frame.clone();
    const plateAge = this.report.plateAge;
    const engine = this.engine.link;
    const depth = pipeline.depthOf?.get(frame) ?? null;
    let result: ProcessResult;
    try {
      const call = engine.remote.process(Comlink.transfer(frame, [frame]), undefined, depth && Comlink.transfer(depth, [depth.data.buffer]));
      result = await engine.call(call, {
        stallLimitMs: FRAME_STALL_LIMIT_MS,
        stalled: (phase) =>
          new ReplacerError(
            'engine-failed',
            `The background engine made no progress for ${FRAME_STALL_LIMIT_MS / 1000} s (stuck in phase '${phase}'); the frame is shown unprocessed.`,
          ),
        onLate: (late) => late.frame.close(),
      });
    } catch (err) {
      // A transferred frame is detached and this is a no-op; it matters only if postMessage threw.
      frame.close();
      if (engine === this.engine.link) this.busy = false;
      if (pipeline.stopped || this.engine.state === 'disposed') {
        original.close();
        return;
      }
      // Cut off by a restart or a failure, which was reported already. A worker that no
      // longer answers at all is found by the watchdog and replaced (see EngineLink).
      const reported = err === engine.cutReason;
      if (!reported && this.engine.state === 'ready' && this.failureStreak++ === 0) {
        this.report.error(toReplacerError(err, { code: 'engine-failed', context: 'A frame could not be processed; showing it unprocessed' }));
      }
      await this.deliver(original, pipeline, 'passedThrough');
      return;
    }
    original.close();
    this.busy = false;
    this.failureStreak = 0;
    this.report.processed(result, plateAge);
    await this.deliver(result.frame, pipeline, 'processed');
  }

  /** Writes a frame to the pipeline's output (which closes it) and counts it. */
  private async deliver(frame: VideoFrame, pipeline: Pipeline, outcome: 'processed' | 'passedThrough'): Promise<void> {
    try {
      await pipeline.output.write(frame);
    } catch (err) {
      const outputEnded = pipeline.output.stream.getVideoTracks().every((t) => t.readyState === 'ended');
      if (!pipeline.stopped && !outputEnded) {
        this.report.error(toReplacerError(err, { code: 'corrupt-input', context: 'Writing the processed video failed' }));
      }
      this.stopPipeline(pipeline);
      return;
    }
    if (pipeline.stopped) return;
    this.report.count(outcome);
  }
}
