/// <reference lib="webworker" />
// The dedicated worker: exposes one Engine over Comlink. Results carry a VideoFrame,
// transferred to the caller.
import * as Comlink from 'comlink';
import { Engine } from './engine';
import { installErrorTransfer } from '../errorTransfer';
import type { EngineApi, ProcessResult } from './protocol';

/** What the worker exposes: the engine, and a liveness probe for the page. */
export interface EngineWorkerApi extends EngineApi {
  /**
   * Answers at once, also while a frame is being processed (the engine awaits the GPU):
   * the page's watchdog tells a slow engine from a dead or hung worker by it.
   */
  ping(): Promise<void>;
}

installErrorTransfer();
const engine = new Engine();

const api: EngineWorkerApi = {
  init: (options, baseUrl) => engine.init(options, baseUrl),
  setOptions: (options) => engine.setOptions(options),
  setBackground: (image) => engine.setBackground(image),
  setPlate: (image) => engine.setPlate(image),
  setDepthCalibration: (calibration) => engine.setDepthCalibration(calibration),
  async process(frame, readbacks, depth): Promise<ProcessResult> {
    const result = await engine.process(frame, readbacks, depth);
    return Comlink.transfer(result, [result.frame]);
  },
  dispose: () => engine.dispose(),
  ping: async () => undefined,
};

Comlink.expose(api);
