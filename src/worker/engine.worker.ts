/// <reference lib="webworker" />
// The dedicated worker: exposes one Engine over Comlink. Results carry a VideoFrame,
// transferred to the caller.
import * as Comlink from 'comlink';
import { Engine } from './engine';
import { installErrorTransfer } from './errorTransfer';
import type { EngineApi, ProcessResult } from './protocol';

installErrorTransfer();
const engine = new Engine();

const api: EngineApi = {
  init: (options, baseUrl) => engine.init(options, baseUrl),
  setOptions: (options) => engine.setOptions(options),
  setBackground: (image) => engine.setBackground(image),
  setPlate: (image) => engine.setPlate(image),
  async process(frame, readbacks): Promise<ProcessResult> {
    const result = await engine.process(frame, readbacks);
    return Comlink.transfer(result, [result.frame]);
  },
  dispose: () => engine.dispose(),
};

Comlink.expose(api);
