// Robust Video Matting's TensorFlow.js graph model: the structural check that `npm run
// models:fetch -- rvm` runs before it installs the files, and that a loader runs before it
// hands them to a runtime. Pure data checks: no runtime, no I/O.

/**
 * The inputs of Robust Video Matting's graph (Lin et al., "Robust High-Resolution Video Matting
 * with Temporal Guidance", WACV 2022): `src` [1,H,W,3] float32 in 0..1, the recurrent states
 * `r1i`…`r4i` (scalar 0 on the first frame, then the previous frame's `r1o`…`r4o`), and
 * `downsample_ratio`, a float32 scalar in (0, 1].
 */
export const RVM_INPUTS = ['src', 'r1i', 'r2i', 'r3i', 'r4i', 'downsample_ratio'] as const;
/** Its outputs: `fgr` [1,H,W,3] and `pha` [1,H,W,1] in 0..1, and the next recurrent states. */
export const RVM_OUTPUTS = ['fgr', 'pha', 'r1o', 'r2o', 'r3o', 'r4o'] as const;

/** What {@link inspectGraphModel} found in a TensorFlow.js graph-model JSON (model.json). */
export interface GraphModelInfo {
  /** Signature input and output names without a `:0` tensor suffix. */
  inputs: string[];
  outputs: string[];
  /** The weight files the JSON names (weightsManifest paths, in order). */
  weightFiles: string[];
  /** Total bytes the weight files must hold, from the weight specs (quantized sizes where quantized). */
  weightBytes: number;
  /** Nodes of the graph, and how many of each op. */
  nodes: number;
  ops: Record<string, number>;
  /** The converter that wrote it (`convertedBy`), or null. */
  convertedBy: string | null;
}

/** Record of an installed TensorFlow.js graph model in public/models/installed.json. */
export interface InstalledGraphModel {
  id: string;
  /** The graph JSON, relative to the models folder (e.g. `rvm/model.json`). */
  file: string;
  /** Lower-case hex sha256 of the graph JSON. */
  sha256: string;
  /** The model's interface: which graph it is. */
  interface: 'rvm';
  format: 'tfjs-graph';
  /** Its weight files, relative to the models folder, with their sha256. */
  weights: { file: string; sha256: string }[];
  /** SPDX identifier of the model's licence (shown to the user who picks it). */
  licence: string;
}

const BYTES: Record<string, number> = { float32: 4, int32: 4, bool: 1, float16: 2, uint8: 1, uint16: 2, int8: 1, int16: 2, complex64: 8 };

/** A weight file name as a manifest may give it: a plain name, no folders, no `..`. */
const PLAIN_NAME = /^[\w][\w.-]*$/;

const bare = (name: string): string => name.replace(/:0$/, '');

/**
 * Checks that `json` is a TensorFlow.js graph model (format `graph-model`, a signature, a
 * topology with nodes, a weights manifest naming plain file names) and summarises it.
 * @throws Error naming the first thing that is missing or malformed
 */
export function inspectGraphModel(json: unknown): GraphModelInfo {
  const fail = (message: string): never => {
    throw new Error(`not a TensorFlow.js graph model: ${message}`);
  };
  if (!json || typeof json !== 'object' || Array.isArray(json)) fail('the file is not a JSON object');
  const m = json as { format?: unknown; signature?: unknown; modelTopology?: unknown; weightsManifest?: unknown; convertedBy?: unknown };
  if (m.format !== 'graph-model') fail(`format is ${JSON.stringify(m.format)}, expected "graph-model"`);
  const signature = m.signature as { inputs?: unknown; outputs?: unknown } | undefined;
  if (!signature || typeof signature.inputs !== 'object' || !signature.inputs || typeof signature.outputs !== 'object' || !signature.outputs) fail('no signature with inputs and outputs');
  const topology = m.modelTopology as { node?: unknown } | undefined;
  if (!topology || !Array.isArray(topology.node) || topology.node.length === 0) fail('modelTopology has no nodes');
  const ops: Record<string, number> = {};
  for (const node of topology!.node as { op?: unknown }[]) {
    const op = typeof node?.op === 'string' ? node.op : fail('a node without an op');
    ops[op as string] = (ops[op as string] ?? 0) + 1;
  }
  if (!Array.isArray(m.weightsManifest) || m.weightsManifest.length === 0) fail('no weightsManifest');
  const weightFiles: string[] = [];
  let weightBytes = 0;
  for (const group of m.weightsManifest as { paths?: unknown; weights?: unknown }[]) {
    if (!group || !Array.isArray(group.paths) || !Array.isArray(group.weights)) fail('a weightsManifest group without paths or weights');
    for (const path of group.paths as unknown[]) {
      if (typeof path !== 'string' || !PLAIN_NAME.test(path)) fail(`weight file ${JSON.stringify(path)} is not a plain file name`);
      weightFiles.push(path as string);
    }
    for (const w of group.weights as { name?: unknown; shape?: unknown; dtype?: unknown; quantization?: { dtype?: unknown } }[]) {
      if (!w || typeof w.name !== 'string' || !Array.isArray(w.shape) || typeof w.dtype !== 'string') fail('a weight without name, shape or dtype');
      const dtype = (w.quantization?.dtype ?? w.dtype) as string;
      const size = BYTES[dtype] ?? fail(`weight ${w.name} has unsupported dtype ${dtype}`);
      const count = (w.shape as unknown[]).reduce<number>((n, d) => (Number.isInteger(d) && (d as number) >= 0 ? n * (d as number) : fail(`weight ${w.name} has shape ${JSON.stringify(w.shape)}`)), 1);
      weightBytes += count * (size as number);
    }
  }
  return {
    inputs: Object.keys(signature!.inputs as object).map(bare),
    outputs: Object.keys(signature!.outputs as object).map(bare),
    weightFiles,
    weightBytes,
    nodes: (topology!.node as unknown[]).length,
    ops,
    convertedBy: typeof m.convertedBy === 'string' ? m.convertedBy : null,
  };
}

/**
 * Checks that a graph has Robust Video Matting's interface ({@link RVM_INPUTS}, {@link RVM_OUTPUTS}).
 * @throws Error naming the inputs and outputs that are missing
 */
export function checkRvmInterface(info: GraphModelInfo): void {
  const missing = [...RVM_INPUTS.filter((n) => !info.inputs.includes(n)).map((n) => `input ${n}`), ...RVM_OUTPUTS.filter((n) => !info.outputs.includes(n)).map((n) => `output ${n}`)];
  if (missing.length) throw new Error(`not Robust Video Matting's graph: no ${missing.join(', ')} (it has inputs ${info.inputs.join(', ')}; outputs ${info.outputs.join(', ')})`);
}
