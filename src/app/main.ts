import type { BackgroundReplacer, PlateCaptureOptions, ReplacerStats } from '../element/api';
import type { ReplacerError } from '../errors';
import { BgApp } from './app';

/**
 * Test hook for Playwright (and the console): read-only views of the running app.
 * `replacer` and `output` are null until the camera (or a file) is open and the engine created.
 */
export interface AppTestHook {
  readonly app: BgApp;
  readonly replacer: BackgroundReplacer | null;
  readonly input: MediaStream | null;
  readonly output: MediaStream | null;
  readonly stats: ReplacerStats | null;
  readonly errors: readonly ReplacerError[];
  /** Captures the plate as the *Capture background* button does, with test options (e.g. a shorter countdown). */
  capturePlate(options?: PlateCaptureOptions): Promise<void>;
}

declare global {
  interface Window {
    __app?: AppTestHook;
  }
}

const app = document.querySelector('bg-app') ?? document.body.appendChild(new BgApp());

window.__app = {
  app,
  get replacer() {
    return app.replacerElement?.replacer ?? null;
  },
  get input() {
    return app.replacerElement?.stream ?? null;
  },
  get output() {
    return app.replacerElement?.output ?? null;
  },
  get stats() {
    return app.replacerElement?.stats ?? null;
  },
  get errors() {
    return app.shownErrors;
  },
  capturePlate: (options) => app.capturePlate(options),
};
