// Validation of BackgroundMattingV2 ONNX models (Lin, Ryabtsev et al., CVPR 2021;
// github.com/PeterL1n/BackgroundMattingV2, export_onnx.py): which interface a file has, its
// coarse scale where the shapes say it, and the refiner's weights where the file holds them.
import { ReplacerError } from '../../errors';
import { DataType, decodeModel, type OnnxModel, type OnnxValueInfo } from '../onnx/graph';
import { findRefinerWeights } from './refinerWeights';
import { type RefinerWeights } from '../../types/refiner';

/** A tensor dimension: a number when static, the symbol's name when symbolic, null when unknown. */
export type Dim = number | string | null;

/**
 * The interfaces a BGMv2 ONNX export can have:
 * - `base` (MattingBase, `--model-type mattingbase`): src, bgr [B,3,H,W] → pha [B,1,h,w],
 *   fgr [B,3,h,w], err [B,1,h,w], hid [B,32,h,w]: the coarse network this project runs
 *   (at the base scale; its outputs feed shaders/refine_learned.wgsl);
 * - `refine` (MattingRefine, the official pre-exported files): src, bgr → pha, fgr at full
 *   resolution (and pha_sm, fgr_sm, err_sm, ref_sm): the whole model, refiner included; not
 *   usable as the base network here (no hid), but its refiner weights are.
 */
export type Bgmv2Interface = 'base' | 'refine';

/** What {@link inspectBgmv2Model} found. */
export interface Bgmv2ModelInfo {
  interface: Bgmv2Interface;
  /** Shapes of the graph inputs and outputs, by name. */
  inputs: Record<string, Dim[]>;
  outputs: Record<string, Dim[]>;
  /**
   * Coarse height / input height, when both are static and agree with the widths' ratio
   * (base: pha vs src; refine: pha_sm vs src when it has pha_sm); else null.
   */
  coarseScale: number | null;
  /** The folded refiner weights when the file holds a refiner, else null. */
  refiner: RefinerWeights | null;
  /** The default-domain opset the file imports. */
  opset: number | null;
}

const BASE_OUTPUTS = { pha: 1, fgr: 3, err: 1, hid: 32 } as const;
const REFINE_OUTPUTS = { pha: 1, fgr: 3 } as const;
const REFINE_EXTRA = { pha_sm: 1, fgr_sm: 3, err_sm: 1, ref_sm: 1 } as const;

function fail(message: string): never {
  throw new ReplacerError('model-load', message);
}

function dimsOf(v: OnnxValueInfo): Dim[] | null {
  const t = v.type?.tensorType;
  if (!t?.shape) return null;
  return (t.shape.dim ?? []).map((d) => (d.dimValue !== undefined && d.dimValue !== null && Number(d.dimValue) > 0 ? Number(d.dimValue) : d.dimParam || null));
}

const dimText = (dims: Dim[]): string => `[${dims.map((d) => d ?? '?').join(',')}]`;

/**
 * Checks a float32 rank-4 tensor with `channels` in dimension 1 (symbolic dims accepted).
 * @throws ReplacerError naming the tensor
 */
function checkTensor(kind: string, v: OnnxValueInfo, channels: number): Dim[] {
  const elem = v.type?.tensorType?.elemType;
  if (elem !== DataType.FLOAT) fail(`BGMv2 ${kind} ${v.name}: element type ${elem ?? 'unknown'}, expected float32 (1).`);
  const dims = dimsOf(v);
  if (!dims) fail(`BGMv2 ${kind} ${v.name}: no shape; expected [B,${channels},H,W].`);
  if (dims.length !== 4) fail(`BGMv2 ${kind} ${v.name}: shape ${dimText(dims)} has rank ${dims.length}, expected [B,${channels},H,W].`);
  if (typeof dims[1] === 'number' && dims[1] !== channels) fail(`BGMv2 ${kind} ${v.name}: shape ${dimText(dims)}, expected ${channels} channels in dimension 1.`);
  return dims;
}

/** Static dims that differ between two shapes (symbolic ones are not compared), as text. */
function mismatch(a: Dim[], b: Dim[], from: number): string | null {
  for (let i = from; i < 4; i++) {
    if (typeof a[i] === 'number' && typeof b[i] === 'number' && a[i] !== b[i]) return `dimension ${i}: ${a[i]} vs ${b[i]}`;
  }
  return null;
}

function scaleOf(coarse: Dim[] | undefined, full: Dim[]): number | null {
  if (!coarse) return null;
  const [h, w, H, W] = [coarse[2], coarse[3], full[2], full[3]];
  if (typeof h !== 'number' || typeof w !== 'number' || typeof H !== 'number' || typeof W !== 'number') return null;
  return Math.abs(h / H - w / W) < 1e-9 ? h / H : null;
}

/** Decodes ONNX bytes. @throws ReplacerError 'model-load' when they are not a ModelProto */
export function decodeOnnx(bytes: Uint8Array): OnnxModel {
  try {
    return decodeModel(bytes);
  } catch (err) {
    throw new ReplacerError('model-load', `Not an ONNX model (${bytes.length} bytes): ${err instanceof Error ? err.message : String(err)}`, { cause: err });
  }
}

/**
 * Validates a BGMv2 ONNX model and describes it.
 *
 * Inputs: exactly `src` and `bgr`, float32 [B,3,H,W], same shape (graph inputs that are also
 * initialisers, as old exporters list them, are not counted). Outputs: `pha` [B,1,h,w],
 * `fgr` [B,3,h,w], `err` [B,1,h,w], `hid` [B,32,h,w] (base), or `pha` [B,1,H,W], `fgr`
 * [B,3,H,W] (+ pha_sm, fgr_sm, err_sm, ref_sm when present) with refiner weights in the file
 * (refine). Dims may be symbolic; static ones must agree.
 * @throws ReplacerError 'model-load' with a message naming what is missing or wrong
 */
export function inspectBgmv2Model(source: Uint8Array | OnnxModel): Bgmv2ModelInfo {
  const model = source instanceof Uint8Array ? decodeOnnx(source) : source;
  const graph = model.graph;
  if (!graph) fail('The ONNX file has no graph.');
  const initNames = new Set((graph.initializer ?? []).map((t) => t.name));
  const graphInputs = (graph.input ?? []).filter((v) => !initNames.has(v.name));
  const inputNames = graphInputs.map((v) => v.name ?? '');
  for (const name of ['src', 'bgr']) {
    if (!inputNames.includes(name)) fail(`Not a BGMv2 model: it has no input "${name}" (inputs: ${inputNames.join(', ') || 'none'}; expected src, bgr [B,3,H,W]).`);
  }
  const extra = inputNames.filter((n) => n !== 'src' && n !== 'bgr');
  if (extra.length > 0) fail(`Not a BGMv2 model: unexpected inputs ${extra.join(', ')} (expected only src, bgr).`);
  const inputs: Record<string, Dim[]> = {};
  for (const v of graphInputs) inputs[v.name!] = checkTensor('input', v, 3);
  const inMismatch = mismatch(inputs.src!, inputs.bgr!, 0);
  if (inMismatch) fail(`BGMv2 inputs src ${dimText(inputs.src!)} and bgr ${dimText(inputs.bgr!)} differ (${inMismatch}).`);

  const outputByName = new Map((graph.output ?? []).map((v) => [v.name ?? '', v]));
  const names = [...outputByName.keys()];
  const isBase = outputByName.has('err') || outputByName.has('hid');
  const wanted: Record<string, number> = isBase ? { ...BASE_OUTPUTS } : { ...REFINE_OUTPUTS };
  const missing = Object.keys(wanted).filter((n) => !outputByName.has(n));
  if (missing.length > 0) {
    const expected = isBase ? 'pha [B,1,h,w], fgr [B,3,h,w], err [B,1,h,w], hid [B,32,h,w]' : 'pha, fgr (and err, hid for a base network)';
    fail(`Not a BGMv2 model: missing output${missing.length > 1 ? 's' : ''} ${missing.join(', ')} (outputs: ${names.join(', ') || 'none'}; expected ${expected}).`);
  }
  if (!isBase) for (const [n, c] of Object.entries(REFINE_EXTRA)) if (outputByName.has(n)) wanted[n] = c;
  const outputs: Record<string, Dim[]> = {};
  for (const [name, channels] of Object.entries(wanted)) outputs[name] = checkTensor('output', outputByName.get(name)!, channels);

  // Static sizes must agree: the coarse outputs among themselves, and full-resolution ones with the input.
  const groups = isBase ? [['pha', 'fgr', 'err', 'hid']] : [['pha', 'fgr'], ['pha_sm', 'fgr_sm', 'err_sm']];
  for (const group of groups) {
    const present = group.filter((n) => outputs[n]);
    for (const n of present.slice(1)) {
      const m = mismatch(outputs[present[0]!]!, outputs[n]!, 2);
      if (m) fail(`BGMv2 outputs ${present[0]} ${dimText(outputs[present[0]!]!)} and ${n} ${dimText(outputs[n]!)} differ in size (${m}).`);
    }
  }
  if (!isBase) {
    const m = mismatch(outputs.pha!, inputs.src!, 2);
    if (m) fail(`BGMv2 refine output pha ${dimText(outputs.pha!)} is not at the input's resolution ${dimText(inputs.src!)} (${m}).`);
  }

  const refiner = findRefinerWeights(model);
  if (!isBase && !refiner) {
    fail(`Not a usable BGMv2 model: outputs ${names.join(', ')} without err and hid (not a base network) and no refiner weights (not a MattingRefine export).`);
  }
  const opset = model.opsetImport?.find((o) => !o.domain || o.domain === 'ai.onnx')?.version;
  return {
    interface: isBase ? 'base' : 'refine',
    inputs,
    outputs,
    coarseScale: scaleOf(isBase ? outputs.pha : outputs.pha_sm, inputs.src!),
    refiner,
    opset: opset === undefined || opset === null ? null : Number(opset),
  };
}

/**
 * Validates that a model can serve as the coarse (base) network: {@link inspectBgmv2Model}
 * with interface `base`. Note that the official MattingBase returns `fgr` as
 * clamp(residual + src, 0, 1); the refiner wants the residual (F − src) before clamping.
 * @throws ReplacerError 'model-load' for other models, explaining how to get a base export
 */
export function loadBgmv2Base(source: Uint8Array | OnnxModel): Bgmv2ModelInfo & { interface: 'base' } {
  const info = inspectBgmv2Model(source);
  if (info.interface !== 'base') {
    fail(
      `This BGMv2 model is a MattingRefine export (outputs ${Object.keys(info.outputs).join(', ')}): it has no err and hid outputs, so it cannot be the base network. ` +
        'Export the base with BackgroundMattingV2\'s export_onnx.py --model-type mattingbase; this file\'s refiner weights can still be used.',
    );
  }
  return info as Bgmv2ModelInfo & { interface: 'base' };
}
