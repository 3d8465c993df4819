import { FULL_QUALITY } from '../pipeline/quality';
import type { QualitySettings } from '../types/frame';

/**
 * The quality ladder, best first. Each step removes roughly the same share of the work on a
 * typical 720p frame: first refine tiles and the second ROI pass, last the refiner.
 */
export const QUALITY_LEVELS: readonly QualitySettings[] = Object.freeze([
  FULL_QUALITY,
  { roiPasses: 1, budgetScale: 0.6 },
  { roiPasses: 1, budgetScale: 0.3 },
  { roiPasses: 0, budgetScale: 0.15 },
  { roiPasses: 0, budgetScale: 0 },
]);

/** The controller's state after a frame, as the engine reports it. */
export interface QualityState {
  /** Current level, 0 (best) .. levels − 1. */
  level: number;
  levels: number;
  /** The frame rate held (0: adaptation off, level 0 always). */
  targetFps: number;
  /** Smoothed frame time in ms (exponential moving average of the observed times). */
  frameMs: number;
}

/** Smoothing of the frame time: weight of the newest frame. */
const EWMA_WEIGHT = 0.25;
/** Late: the smoothed time above the frame budget for this many frames in a row → one level down. */
const LATE_FRAMES = 3;
/** Headroom: the smoothed time under HEADROOM × budget for this many frames in a row → one level up. */
const HEADROOM_FRAMES = 30;
const HEADROOM = 0.7;
/**
 * After a change the average restarts from the new level's frames; this many of them are
 * observed before the next decision.
 */
const SETTLE_FRAMES = 3;
/** A level that ran late is not retried for this many frames unless its cost was measured under budget. */
const REMEMBER_FRAMES = 600;

/**
 * Holds a target frame rate by moving along QUALITY_LEVELS: down one level when frames run
 * late (the smoothed processing time above 1000 / targetFps ms for LATE_FRAMES frames), up
 * one when there is headroom (under 70 % of the budget for HEADROOM_FRAMES frames). A level
 * that ran late is remembered with its cost for REMEMBER_FRAMES frames, and the controller only
 * climbs back to it when that cost fits in 90 % of the budget, so it does not oscillate
 * between a level that is too slow and one that is fast enough.
 *
 * Frame times are the engine's processing time per frame (receipt → output frame), in ms.
 */
export class AdaptiveQuality {
  private level = 0;
  private frameMs = 0;
  private frames = 0;
  private late = 0;
  private fast = 0;
  private settle = 0;
  /** Smoothed cost last measured at each level, and the frame it was measured at. */
  private readonly cost: ({ ms: number; at: number } | null)[];

  /**
   * @param targetFps frames per second to hold; 0 turns adaptation off (level 0 always)
   * @param levels the number of levels (default QUALITY_LEVELS.length), ≥ 1
   * @throws RangeError for a negative or non-finite targetFps or levels < 1
   */
  constructor(
    private targetFps: number,
    private readonly levels = QUALITY_LEVELS.length,
  ) {
    checkTarget(targetFps);
    if (!Number.isInteger(levels) || levels < 1) throw new RangeError(`levels must be a positive integer, got ${levels}`);
    this.cost = Array.from({ length: levels }, () => null);
  }

  /** Changes the target (0: off, which returns to level 0); keeps what was learned about the levels. */
  setTarget(targetFps: number): void {
    checkTarget(targetFps);
    if (targetFps === this.targetFps) return;
    this.targetFps = targetFps;
    if (targetFps === 0) this.moveTo(0);
    this.late = this.fast = 0;
  }

  /**
   * Feeds the processing time of one frame.
   * @param ms the frame's processing time in milliseconds (≥ 0)
   * @returns the level for the next frame
   */
  observe(ms: number): number {
    this.frames++;
    this.frameMs = this.frameMs === 0 ? ms : this.frameMs + EWMA_WEIGHT * (ms - this.frameMs);
    if (this.targetFps === 0) return this.level;
    if (this.settle > 0) {
      this.settle--;
      return this.level;
    }
    const budget = 1000 / this.targetFps;
    this.cost[this.level] = { ms: this.frameMs, at: this.frames };
    this.late = this.frameMs > budget ? this.late + 1 : 0;
    this.fast = this.frameMs < HEADROOM * budget ? this.fast + 1 : 0;
    if (this.late >= LATE_FRAMES && this.level < this.levels - 1) {
      this.moveTo(this.level + 1);
    } else if (this.fast >= HEADROOM_FRAMES && this.level > 0 && this.worthClimbing(budget)) {
      this.moveTo(this.level - 1);
    }
    return this.level;
  }

  /** The state after the last observed frame. */
  get state(): QualityState {
    return { level: this.level, levels: this.levels, targetFps: this.targetFps, frameMs: this.frameMs };
  }

  /** Whether the next better level is worth trying: its remembered cost (if recent) fits in 90 % of the budget. */
  private worthClimbing(budget: number): boolean {
    const known = this.cost[this.level - 1];
    if (!known || this.frames - known.at > REMEMBER_FRAMES) return true;
    return known.ms < 0.9 * budget;
  }

  private moveTo(level: number): void {
    if (level === this.level) return;
    this.level = level;
    this.late = this.fast = 0;
    this.frameMs = 0;
    this.settle = SETTLE_FRAMES;
  }
}

/** @throws RangeError for a negative or non-finite frame rate */
function checkTarget(targetFps: number): void {
  if (!Number.isFinite(targetFps) || targetFps < 0) throw new RangeError(`targetFps must be ≥ 0, got ${targetFps}`);
}
