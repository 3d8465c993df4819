import type { Options, ReadbackType } from '../options';
import type { DepthStats, FrameStats, MemoryStats, PlateFit, RefineStats } from '../types/frame';

/** Query parameter of replay.html that names the job the page runs. */
export const JOB_PARAM = 'job';

/** A job id as the Node side mints them: letters, digits, '-' and '_'. */
export const JOB_ID_PATTERN = /^[A-Za-z0-9_-]{1,64}$/;

/**
 * Same-origin HTTP routes between the replay page and the Node command that serves it, for
 * one job. One server runs several jobs in sequence (one page each); the id keeps a page
 * that outlives its job from touching the next one.
 */
export function replayRoutes(jobId: string) {
  const base = `/__replay/${jobId}`;
  return {
    job: `${base}/job`,
    frame: (i: number) => `${base}/frame/${i}`,
    background: `${base}/background`,
    /** Frame i of the background video (`video` mode), served as frames are. */
    backgroundFrame: (i: number) => `${base}/background-frame/${i}`,
    plate: `${base}/plate`,
    /** The Azure Kinect recording (.mkv) the page demuxes, for jobs with `kinect`. */
    recording: `${base}/recording`,
    output: (type: ReadbackType, i: number) => `${base}/output/${type}/${i}`,
    done: `${base}/done`,
    error: `${base}/error`,
  } as const;
}

/** What the page is asked to do. */
export interface ReplayJob {
  frames: number;
  outputTypes: ReadbackType[];
  options: Partial<Options>;
  hasBackground: boolean;
  /**
   * Frames of the background video served at the backgroundFrame route (`video` mode), 0 for
   * none: output frame i gets background frame i mod backgroundFrames, so successive outputs
   * show successive background frames, looped.
   */
  backgroundFrames: number;
  /** A clean background plate is served at the job's plate route. */
  hasPlate: boolean;
  /** Frame duration in microseconds (from the source fps, else 1/30 s). */
  frameDurationUs: number;
  /**
   * The source is an Azure Kinect recording served at the `recording` route: the page demuxes
   * it, processes every capture that has a colour image (`frames` of them) with its depth, and
   * can read back `depth`.
   */
  kinect: boolean;
}

/** What the page reports when every frame is done. */
export interface ReplayReport {
  adapter: string;
  backend: string;
  importPath: string;
  outputPath: string;
  /** Wall time from the first frame's request to the last frame's outputs, ms. */
  wallMs: number;
  perFrame: FrameStats[];
  /** Per frame, the refiner's accounting when the engine reported one, else null. */
  refine: (RefineStats | null)[];
  /** The last plate fit the engine reported (with a plate only), else null. */
  plateFit: PlateFit | null;
  /** The last background-memory measurement the engine reported (options.backgroundMemory on), else null. */
  memory: MemoryStats | null;
  /** Per frame, what its depth said (Kinect recordings), else null. */
  depth: (DepthStats | null)[];
  /** Frames processed as two standing-speaker squares (Options.standing). */
  standing: number;
}
