// Robust Video Matting for the Node GPU bench's rvm rows: its graph and weights read from disk,
// and the network made on the bench's device (the product's runtime, src/models/rvm/runtime.ts).
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { inspectGraphModel } from '../../../src/models/rvm/graph';
import type { RvmNetwork } from '../../../src/models/rvm/runtime';

/** RVM's graph (model.json) as parsed. @throws Error when it cannot be read or is not JSON */
function readGraph(graphPath: string): unknown {
  try {
    return JSON.parse(readFileSync(graphPath, 'utf8'));
  } catch (err) {
    throw new Error(`${graphPath}: not readable JSON (${err instanceof Error ? err.message : String(err)})`, { cause: err });
  }
}

/**
 * The weight files RVM's graph names (its manifest's paths, relative to the graph's folder).
 * @throws Error when the graph cannot be read or is not a TensorFlow.js graph model
 */
export function rvmWeightFiles(graphPath: string): string[] {
  return inspectGraphModel(readGraph(graphPath)).weightFiles;
}

/**
 * Reads RVM's graph (model.json) and its weight files, named by its manifest, from beside it.
 * @returns the parsed graph and the weights concatenated in the manifest's order
 * @throws Error when a file is missing or the JSON is not a TensorFlow.js graph model
 */
export function readRvmFiles(graphPath: string): { graph: unknown; weights: ArrayBuffer } {
  const graph = readGraph(graphPath);
  const parts = inspectGraphModel(graph).weightFiles.map((f) => readFileSync(join(dirname(graphPath), f)));
  const weights = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    weights.set(p, at);
    at += p.length;
  }
  return { graph, weights: weights.buffer };
}

/**
 * RVM on `device`, made from the graph at `graphPath` (imported here: TensorFlow.js's WebGPU
 * backend looks for navigator.gpu when it loads, so only once Dawn is installed).
 * @throws Error when the files cannot be read or TensorFlow.js cannot load the graph
 */
export async function rvmOnDevice(device: GPUDevice, graphPath: string): Promise<RvmNetwork> {
  const { graph, weights } = readRvmFiles(graphPath);
  const { RvmNetwork } = await import('../../../src/models/rvm/runtime');
  return RvmNetwork.create(device, graph, weights);
}
