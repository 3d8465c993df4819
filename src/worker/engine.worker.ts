/// <reference lib="webworker" />
// The dedicated worker: exposes one Engine over Comlink. Results carry a VideoFrame,
// transferred to the caller. While a call is in flight the worker posts heartbeats
// (src/worker/progress.ts) on the port the page gives it with watch().
import * as Comlink from 'comlink';
import { Engine } from './engine';
import { installErrorTransfer } from '../errorTransfer';
import { ProgressBeacon } from './progress';
import type { EngineApi, ProcessResult } from './protocol';

/** What the worker exposes: the engine, a liveness probe and the heartbeat port for the page's watchdog. */
export interface EngineWorkerApi extends EngineApi {
  /**
   * Answers at once, also while a frame is being processed (the engine awaits the GPU):
   * the page's watchdog tells a slow engine from a dead or hung worker by it.
   */
  ping(): Promise<void>;
  /**
   * Gives the worker the port to post its heartbeats on (src/worker/progress.ts): one at once,
   * then about once a second while a call is in flight. Callers that give none (replay,
   * bench) get no heartbeats.
   */
  watch(port: MessagePort): Promise<void>;
}

installErrorTransfer();
const engine = new Engine();
const beacon = new ProgressBeacon();
engine.onProgress = (phase) => beacon.step(phase);

const api: EngineWorkerApi = {
  init: (options, assets) => beacon.track('init', () => engine.init(options, assets)),
  setOptions: (options) => beacon.track('setOptions', () => engine.setOptions(options)),
  setBackground: (image) => beacon.track('setBackground', () => engine.setBackground(image)),
  setPlate: (image) => beacon.track('setPlate', () => engine.setPlate(image)),
  memoryPlate: () =>
    beacon.track('memoryPlate', async () => {
      const plate = await engine.memoryPlate();
      return plate ? Comlink.transfer(plate, [plate]) : null;
    }),
  setDepthCalibration: (calibration) => beacon.track('setDepthCalibration', () => engine.setDepthCalibration(calibration)),
  process: (frame, readbacks, depth, background) =>
    beacon.track('process', async (): Promise<ProcessResult> => {
      const result = await engine.process(frame, readbacks, depth, background);
      return Comlink.transfer(result, [result.frame]);
    }),
  dispose: () => beacon.track('dispose', () => engine.dispose()),
  ping: async () => undefined,
  watch: async (port) => beacon.attach(port),
};

Comlink.expose(api);
