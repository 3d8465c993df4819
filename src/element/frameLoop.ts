/**
 * The frame loop of a BackgroundReplacer: reads the input (a camera track or a depth source),
 * routes each frame (pass through in mode `off`, cover while the matte is not ready, drop
 * while the engine is busy, or process) and writes the results to the output track. A frame
 * the engine cannot process — it is starting, restarting, failed, or the frame failed or
 * stalled — is covered as options.whileNotReady says (src/element/notReadyFrame.ts), or
 * passed through with `passthrough`. Every VideoFrame read is closed exactly once: by the
 * output (written), by the engine (transferred), or here (dropped, covered, or after a
 * failure); so is every frame made here (a cover, the copy kept for `hold`).
 */
import * as Comlink from 'comlink';
import { ReplacerError } from '../errors';
import { createTrackOutput, type TrackOutput } from '../output/trackOutput';
import type { FrameReader } from '../sources/trackFrames';
import type { DepthInput } from '../types/frame';
import type { ProcessResult } from '../worker/protocol';
import { NotReadyCover, notReadyNote } from './notReadyFrame';
import type { FrameOutcome, ReplacerReporter } from './replacerStats';
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
  /** Timestamp (µs) of the last frame written to the output: it never goes back. */
  lastTimestamp: number;
}

/** What the frame loop tells the plate capture. */
export interface FrameLoopEvents {
  /** An input frame, before it is routed; it stays the loop's (read it synchronously). */
  frame(frame: VideoFrame): void;
  /** The current pipeline's input ended or failed (not stopped by stop() or a new start()). */
  inputEnded(): void;
  /**
   * In `video` mode, for each frame sent to the engine: a new frame of the background video
   * (the caller's to close or transfer), or null when its picture did not change (the engine
   * repeats the last one) or there is none. `force`: the engine has no picture yet.
   */
  backgroundFrame(force: boolean): VideoFrame | null;
}

/** Runs one pipeline at a time; see the module comment. */
export class FrameLoop {
  private pipeline: Pipeline | null = null;
  /** True while a frame is with the engine: later frames are dropped meanwhile. */
  private busy = false;
  /**
   * True until the engine (this one: set again when it is replaced) gives its first processed
   * frame. That frame is slow (shader compilation, the model's first run: seconds on a machine
   * without a GPU): the frames that come meanwhile are covered, not dropped, so the output does
   * not stand still between `ready` and the first matte.
   */
  private firstPending = true;
  /** Frames failed in a row: only the first of a streak is reported. */
  private failureStreak = 0;
  /** Makes the frames shown while the matte is not ready; keeps the last processed one for `hold`. */
  private readonly cover = new NotReadyCover();
  /** True after a cover failed, until one succeeds: only the first failure is reported. */
  private coverFailed = false;

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
    // Also drops the frame kept for `hold`: one of another input is not held over into this one.
    this.stop();
    const pipeline: Pipeline = { reader, ...(depthOf ? { depthOf } : {}), output: createTrackOutput(), stopped: false, lastTimestamp: -Infinity };
    this.pipeline = pipeline;
    this.report.pipelineStarted();
    void this.run(pipeline);
    return pipeline.output.stream;
  }

  /** Stops the current pipeline, if any: its reader stops and its output ends; the frame kept for `hold` is closed. */
  stop(): void {
    if (this.pipeline) this.stopPipeline(this.pipeline);
    this.cover.release();
  }

  /** The engine was replaced or failed: the frame it had is gone, so the next one may be sent. */
  engineReset(): void {
    this.busy = false;
    this.firstPending = true;
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

  /**
   * Routes one input frame: pass through (mode off), cover (engine not ready, or busy with its
   * first frame), drop (engine busy) or process. Owns `frame`.
   */
  private async route(frame: VideoFrame, pipeline: Pipeline): Promise<void> {
    const { mode, view } = this.engine.options;
    if (mode === 'off' && view === 'com') {
      await this.deliver(frame, pipeline, 'passedThrough');
    } else if (this.engine.state !== 'ready' || (this.busy && this.firstPending)) {
      await this.deliverUnprocessed(frame, pipeline);
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

  /** Sends one frame to the engine and writes the result, or the original covered (see deliverUnprocessed) if it failed. */
  private async process(frame: VideoFrame, pipeline: Pipeline): Promise<void> {
    const original = frame.clone();
    const plateAge = this.report.plateAge;
    const engine = this.engine.link;
    const depth = pipeline.depthOf?.get(frame) ?? null;
    const background = this.engine.options.mode === 'video' ? this.events.backgroundFrame(this.firstPending) : null;
    let result: ProcessResult;
    try {
      const call = engine.remote.process(
        Comlink.transfer(frame, [frame]),
        undefined,
        depth && Comlink.transfer(depth, [depth.data.buffer]),
        background && Comlink.transfer(background, [background]),
      );
      result = await engine.call(call, {
        stallLimitMs: FRAME_STALL_LIMIT_MS,
        stalled: (phase) =>
          new ReplacerError(
            'engine-failed',
            `The background engine made no progress for ${FRAME_STALL_LIMIT_MS / 1000} s (stuck in phase '${phase}'); ${notReadyNote(this.engine.options.whileNotReady)} for that frame.`,
          ),
        onLate: (late) => late.frame.close(),
      });
    } catch (err) {
      // A transferred frame is detached and this is a no-op; it matters only if postMessage threw.
      frame.close();
      background?.close();
      if (engine === this.engine.link) this.busy = false;
      if (pipeline.stopped || this.engine.state === 'disposed') {
        original.close();
        return;
      }
      // Cut off by a restart or a failure, which was reported already. A worker that no
      // longer answers at all is found by the watchdog and replaced (see EngineLink).
      const reported = err === engine.cutReason;
      if (!reported && this.engine.state === 'ready' && this.failureStreak++ === 0) {
        const context = `A frame could not be processed (${notReadyNote(this.engine.options.whileNotReady)} for it)`;
        this.report.error(toReplacerError(err, { code: 'engine-failed', context }));
      }
      await this.deliverUnprocessed(original, pipeline);
      return;
    }
    original.close();
    this.busy = false;
    this.firstPending = false;
    this.failureStreak = 0;
    this.report.processed(result, plateAge);
    // The frame `hold` shows: kept only while that is the setting.
    if (this.engine.options.whileNotReady !== 'hold') this.cover.release();
    else if (!pipeline.stopped) this.cover.keep(result.frame.clone());
    await this.deliver(result.frame, pipeline, 'processed');
  }

  /**
   * Writes a frame the engine did not process (it is not ready, or the frame failed) as
   * options.whileNotReady says: covered (blurred, held or blank; counted `covered`) or, with
   * `passthrough`, as it is (`passedThrough`). Owns `frame`. A cover that cannot be made drops
   * the frame (the room is never shown for want of a cover) and reports it once.
   */
  private async deliverUnprocessed(frame: VideoFrame, pipeline: Pipeline): Promise<void> {
    const how = this.engine.options.whileNotReady;
    if (how === 'passthrough') {
      await this.deliver(frame, pipeline, 'passedThrough');
      return;
    }
    let cover: VideoFrame;
    try {
      cover = await this.cover.cover(frame, how);
    } catch (err) {
      this.report.count('dropped');
      if (!this.coverFailed && !pipeline.stopped) {
        this.report.error(toReplacerError(err, { code: 'engine-failed', context: `A frame could not be covered (whileNotReady '${how}') while the engine is not ready; it was dropped` }));
      }
      this.coverFailed = true;
      return;
    } finally {
      frame.close();
    }
    this.coverFailed = false;
    await this.deliver(cover, pipeline, 'covered');
  }

  /** Writes a frame to the pipeline's output (which closes it) and counts it; drops it instead when it is older than the last one written. */
  private async deliver(frame: VideoFrame, pipeline: Pipeline, outcome: Exclude<FrameOutcome, 'dropped'>): Promise<void> {
    // A processed frame older than covers already written (those made while the engine worked
    // on its first frame) would send the output back in time: an encoder may drop or misorder it.
    if (frame.timestamp < pipeline.lastTimestamp) {
      frame.close();
      this.report.count('dropped');
      return;
    }
    pipeline.lastTimestamp = frame.timestamp;
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
