import type { Options, OutputType } from '../options';
import type { FrameStats } from '../worker/protocol';

/** Same-origin HTTP routes between the replay page and the Node command that serves it. */
export const REPLAY_ROUTES = {
  job: '/__replay/job',
  frame: (i: number) => `/__replay/frame/${i}`,
  background: '/__replay/background',
  plate: '/__replay/plate',
  output: (type: OutputType, i: number) => `/__replay/output/${type}/${i}`,
  done: '/__replay/done',
  error: '/__replay/error',
} as const;

/** What the page is asked to do. */
export interface ReplayJob {
  frames: number;
  outputTypes: OutputType[];
  options: Partial<Options>;
  hasBackground: boolean;
  /** A clean background plate is served at REPLAY_ROUTES.plate. */
  hasPlate: boolean;
  /** Frame duration in microseconds (from the source fps, else 1/30 s). */
  frameDurationUs: number;
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
}
