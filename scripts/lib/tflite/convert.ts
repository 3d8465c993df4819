// TFLite → ONNX conversion for image-to-mask networks such as MediaPipe's selfie
// segmenters. TFLite keeps images NHWC; the ONNX graph is NCHW throughout (weights are
// transposed here, once), takes `src` [1,C,H,W] float32 and gives `pha` [1,C',H',W']
// ([1,3,H,W] in 0..1 and [1,1,H,W] person confidence for the selfie segmenters).
// Padding, strides and resize modes are written out explicitly from the static shapes so the
// ONNX graph computes what the TFLite kernels compute (SAME padding puts the odd pixel at the
// bottom/right, as TFLite does). Constant DEQUANTIZE (float16 weights) is folded to float32
// initialisers. Any float32 NHWC input / output is accepted; scripts/convert-models.ts checks
// the selfie segmenter's shapes.
import { createHash } from 'node:crypto';
import {
  DataType,
  DEFAULT_OPSET,
  encodeModel,
  node,
  tensorF32,
  tensorI64,
  valueInfo,
  type AttributeValue,
  type OnnxNode,
  type OnnxTensor,
} from '../../../src/models/onnx/graph';
import { halfToFloat } from '../../../src/types/tensor';
import {
  Activation,
  BuiltinOperator,
  builtinName,
  concatenationOptions,
  conv2DOptions,
  depthwiseConv2DOptions,
  elementwiseActivation,
  Padding,
  pool2DOptions,
  readTflite,
  reducerOptions,
  resizeBilinearOptions,
  TensorType,
  TfliteFormatError,
  transposeConvOptions,
  type Operator,
  type SubGraph,
  type TfliteModel,
} from './schema';

/** Bump when the generated graph changes for the same input (the manifest hash then changes too). */
export const CONVERTER_VERSION = '1';

/** Options of convertTfliteToOnnx. */
export interface ConvertOptions {
  /** Graph name written into the ONNX model; default "converted". */
  name?: string;
  /** Name of the graph input [1,3,H,W]; default "src". */
  inputName?: string;
  /** Name of the graph output [1,1,H,W]; default "pha". */
  outputName?: string;
}

/** What a conversion did, for logs and tests. */
export interface ConversionReport {
  /** Lower-case hex sha256 of the .tflite bytes. */
  sourceSha256: string;
  converterVersion: string;
  /** ONNX input and output shapes (NCHW). */
  input: { name: string; shape: number[] };
  output: { name: string; shape: number[] };
  /** TFLite operators by name (builtin name or custom code) → count. */
  tfliteOperators: Record<string, number>;
  /** ONNX nodes by op type → count. */
  onnxNodes: Record<string, number>;
  /** DEQUANTIZE operators folded into float32 initialisers. */
  foldedDequantize: number;
  initializers: number;
  /** Number of float weights in the initialisers. */
  parameters: number;
}

/** Thrown for a TFLite model the converter cannot translate faithfully; the message says which operator and why. */
export class TfliteConversionError extends Error {
  override name = 'TfliteConversionError';
}

/** A constant tensor (from a buffer, or a folded DEQUANTIZE), in TFLite layout. */
interface Constant {
  shape: number[];
  /** Float weights, or integer parameters (shapes, axes, sizes). */
  data: Float32Array | Int32Array;
}

/** TFLite custom operator of MediaPipe: transposed convolution with bias. */
const MEDIAPIPE_TRANSPOSE_CONV_BIAS = 'Convolution2DTransposeBias';

/** NHWC axis → NCHW axis for rank-4 tensors. */
const NHWC_TO_NCHW_AXIS = [0, 2, 3, 1] as const;

const product = (dims: readonly number[]): number => dims.reduce((a, b) => a * b, 1);

/**
 * Reorders a dense row-major tensor.
 * @param perm output axis i is input axis perm[i]
 */
function permute<T extends Float32Array | Int32Array>(data: T, shape: readonly number[], perm: readonly number[]): T {
  const rank = shape.length;
  const outShape = perm.map((p) => shape[p]!);
  const inStrides = new Array<number>(rank).fill(1);
  for (let i = rank - 2; i >= 0; i--) inStrides[i] = inStrides[i + 1]! * shape[i + 1]!;
  const stridesByOut = perm.map((p) => inStrides[p]!);
  const out = new (data.constructor as new (n: number) => T)(data.length);
  const index = new Array<number>(rank).fill(0);
  for (let o = 0; o < out.length; o++) {
    let src = 0;
    for (let i = 0; i < rank; i++) src += index[i]! * stridesByOut[i]!;
    out[o] = data[src]!;
    for (let i = rank - 1; i >= 0; i--) {
      if (++index[i]! < outShape[i]!) break;
      index[i] = 0;
    }
  }
  return out;
}

/**
 * TFLite SAME padding along one axis: the output is ceil(in / stride) long and the odd
 * padding pixel goes after (bottom / right).
 * @returns [before, after] in pixels
 */
export function samePadding(inSize: number, kernel: number, stride: number, dilation = 1): [number, number] {
  const out = Math.ceil(inSize / stride);
  const effective = (kernel - 1) * dilation + 1;
  const total = Math.max((out - 1) * stride + effective - inSize, 0);
  const before = Math.floor(total / 2);
  return [before, total - before];
}

/** Output length of a forward convolution / pooling along one axis (TFLite rules). */
function convOutSize(padding: number, inSize: number, kernel: number, stride: number, dilation = 1): number {
  const effective = (kernel - 1) * dilation + 1;
  return padding === Padding.SAME ? Math.ceil(inSize / stride) : Math.floor((inSize - effective) / stride) + 1;
}

/** Reads a constant buffer as float32 or int32 in TFLite layout. */
function decodeBuffer(bytes: Uint8Array, type: number, shape: number[], where: string): Constant {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const count = product(shape);
  const expectBytes = (size: number): void => {
    if (bytes.length !== count * size) {
      throw new TfliteConversionError(`${where}: buffer holds ${bytes.length} bytes for shape [${shape.join(',')}] (expected ${count * size})`);
    }
  };
  switch (type) {
    case TensorType.FLOAT32: {
      expectBytes(4);
      return { shape, data: Float32Array.from({ length: count }, (_, i) => view.getFloat32(4 * i, true)) };
    }
    case TensorType.FLOAT16: {
      expectBytes(2);
      return { shape, data: Float32Array.from({ length: count }, (_, i) => halfToFloat(view.getUint16(2 * i, true))) };
    }
    case TensorType.INT32: {
      expectBytes(4);
      return { shape, data: Int32Array.from({ length: count }, (_, i) => view.getInt32(4 * i, true)) };
    }
    case TensorType.INT64: {
      expectBytes(8);
      return {
        shape,
        data: Int32Array.from({ length: count }, (_, i) => {
          const v = view.getBigInt64(8 * i, true);
          if (v > 0x7fffffffn || v < -0x80000000n) throw new TfliteConversionError(`${where}: int64 value ${v} does not fit in int32`);
          return Number(v);
        }),
      };
    }
    default:
      throw new TfliteConversionError(`${where}: constant tensors of TFLite type ${type} are not supported`);
  }
}

/** The state of one conversion: TFLite tensors → ONNX values, and the nodes emitted so far. */
class GraphWriter {
  readonly nodes: OnnxNode[] = [];
  readonly initializers: OnnxTensor[] = [];
  /** ONNX value name of each runtime TFLite tensor (rank-4 tensors are held NCHW). */
  readonly names = new Map<number, string>();
  readonly constants = new Map<number, Constant>();
  foldedDequantize = 0;

  constructor(
    private readonly model: TfliteModel,
    readonly graph: SubGraph,
  ) {}

  /** Static TFLite shape of a tensor. */
  shape(tensor: number): number[] {
    const t = this.graph.tensors[tensor];
    if (!t) throw new TfliteConversionError(`tensor ${tensor} does not exist (the subgraph has ${this.graph.tensors.length})`);
    return t.shape;
  }

  /** The tensor's constant value, reading its buffer on first use; null for runtime tensors. */
  constant(tensor: number): Constant | null {
    const cached = this.constants.get(tensor);
    if (cached) return cached;
    const t = this.graph.tensors[tensor];
    if (!t) throw new TfliteConversionError(`tensor ${tensor} does not exist`);
    const bytes = this.model.buffers[t.buffer];
    if (!bytes) return null;
    const c = decodeBuffer(bytes, t.type, t.shape, `tensor ${tensor} "${t.name}"`);
    this.constants.set(tensor, c);
    return c;
  }

  /** Adds a float32 initialiser and returns its name. */
  addFloat(name: string, dims: number[], data: Float32Array): string {
    this.initializers.push(tensorF32(name, dims, data));
    return name;
  }

  /** Adds an int64 initialiser and returns its name. */
  addInt64(name: string, data: number[]): string {
    this.initializers.push(tensorI64(name, [data.length], data));
    return name;
  }

  /** Appends a node (graph order = TFLite operator order, which is topological). */
  emit(opType: string, inputs: string[], outputs: string[], attributes: Record<string, AttributeValue> = {}): void {
    this.nodes.push(node(opType, inputs, outputs, attributes));
  }
}

/** Context for translating one TFLite operator. */
interface OpContext {
  w: GraphWriter;
  op: Operator;
  index: number;
  /** Builtin name or custom code, for messages. */
  label: string;
}

function fail(ctx: OpContext, why: string): never {
  throw new TfliteConversionError(`operator ${ctx.index} (${ctx.label}): ${why}`);
}

/** The i-th input tensor index; fails when absent. */
function inputIndex(ctx: OpContext, i: number): number {
  const t = ctx.op.inputs[i];
  if (t === undefined || t < 0) fail(ctx, `input ${i} is missing`);
  return t;
}

function outputIndex(ctx: OpContext): number {
  if (ctx.op.outputs.length !== 1) fail(ctx, `expected one output, found ${ctx.op.outputs.length}`);
  return ctx.op.outputs[0]!;
}

/** A constant input; fails when it is computed at run time. */
function constantInput(ctx: OpContext, i: number, what: string): Constant {
  const c = ctx.w.constant(inputIndex(ctx, i));
  if (!c) fail(ctx, `the ${what} (input ${i}) must be a constant`);
  return c;
}

function floatConstant(ctx: OpContext, i: number, what: string): Float32Array {
  const c = constantInput(ctx, i, what);
  if (!(c.data instanceof Float32Array)) fail(ctx, `the ${what} (input ${i}) must be float`);
  return c.data;
}

/** The ONNX value holding a runtime input (a graph input or an earlier operator's output). */
function runtimeInput(ctx: OpContext, i: number): string {
  const t = inputIndex(ctx, i);
  const name = ctx.w.names.get(t);
  if (name !== undefined) return name;
  if (ctx.w.constant(t)) fail(ctx, `input ${i} is a constant where the converter expects a computed tensor`);
  return fail(ctx, `input ${i} (tensor ${t}) is used before any operator produces it`);
}

/** A rank-4 (NHWC) shape; fails for other ranks. */
function shape4(ctx: OpContext, tensor: number, what: string): [number, number, number, number] {
  const s = ctx.w.shape(tensor);
  if (s.length !== 4) fail(ctx, `the ${what} must be 4-D (NHWC), got [${s.join(',')}]`);
  return s as [number, number, number, number];
}

/** The ONNX name for a TFLite tensor (its final name is "t<index>" unless it is the graph output). */
function valueName(w: GraphWriter, tensor: number): string {
  return w.names.get(tensor) ?? `t${tensor}`;
}

/**
 * Emits the fused activation, writing the result to the TFLite output tensor.
 * @param pre the ONNX value before the activation: preActivationName(ctx, activation), which
 *   for NONE already is the output (nothing left to emit), or any value for the others
 */
function finishWithActivation(ctx: OpContext, pre: string, activation: number): void {
  const out = outputIndex(ctx);
  const name = valueName(ctx.w, out);
  ctx.w.names.set(out, name);
  const w = ctx.w;
  switch (activation) {
    case Activation.NONE:
      return;
    case Activation.RELU:
      w.emit('Relu', [pre], [name]);
      return;
    case Activation.RELU6:
      w.emit('Clip', [pre, clipBound(w, 0), clipBound(w, 6)], [name]);
      return;
    case Activation.RELU_N1_TO_1:
      w.emit('Clip', [pre, clipBound(w, -1), clipBound(w, 1)], [name]);
      return;
    case Activation.TANH:
      w.emit('Tanh', [pre], [name]);
      return;
    default:
      fail(ctx, `fused activation ${activation} is not supported (NONE, RELU, RELU_N1_TO_1, RELU6 and TANH are)`);
  }
}

/** A scalar float initialiser for Clip's min / max, shared by every Clip with that bound. */
function clipBound(w: GraphWriter, value: number): string {
  const name = `clip_${value}`.replace('-', 'm');
  if (!w.initializers.some((t) => t.name === name)) w.addFloat(name, [], Float32Array.of(value));
  return name;
}

/** Where an operator's pre-activation value goes: straight to the output when there is no activation. */
function preActivationName(ctx: OpContext, activation: number): string {
  return activation === Activation.NONE ? valueName(ctx.w, outputIndex(ctx)) : `op${ctx.index}_pre`;
}

/** Checks that the ONNX output size matches the TFLite tensor's static shape. */
function expectSize(ctx: OpContext, got: [number, number], tensor: number): void {
  const s = shape4(ctx, tensor, 'output');
  if (s[1] !== got[0] || s[2] !== got[1]) fail(ctx, `computed output ${got[0]}×${got[1]} but the model says ${s[1]}×${s[2]}`);
}

function convertConv2D(ctx: OpContext): void {
  const o = conv2DOptions(ctx.op.builtinOptions);
  const x = runtimeInput(ctx, 0);
  const [, inH, inW, inC] = shape4(ctx, inputIndex(ctx, 0), 'input');
  const weights = constantInput(ctx, 1, 'filter');
  if (weights.shape.length !== 4 || !(weights.data instanceof Float32Array)) fail(ctx, 'the filter must be a float OHWI tensor');
  const [outC, kH, kW, wC] = weights.shape as [number, number, number, number];
  if (wC !== inC) fail(ctx, `grouped convolution (filter has ${wC} input channels, input has ${inC}) is not supported`);
  emitConv(ctx, x, [outC, inC, kH, kW], permute(weights.data, weights.shape, [0, 3, 1, 2]), [inH, inW], o, 1);
}

/**
 * Writes an ONNX Conv (explicit pads for SAME, TFLite's odd pixel at the bottom / right) and
 * the fused activation, for CONV_2D and DEPTHWISE_CONV_2D.
 * @param weightShape OIHW ([C·M, 1, kH, kW] for depthwise)
 * @param weights the weights already permuted to OIHW
 */
function emitConv(
  ctx: OpContext,
  x: string,
  weightShape: [number, number, number, number],
  weights: Float32Array,
  [inH, inW]: [number, number],
  o: { padding: number; strideH: number; strideW: number; dilationH: number; dilationW: number; activation: number },
  group: number,
): void {
  const [outC, , kH, kW] = weightShape;
  const name = `op${ctx.index}`;
  const inputs = [x, ctx.w.addFloat(`${name}_w`, weightShape, weights)];
  if (ctx.op.inputs.length > 2 && ctx.op.inputs[2]! >= 0) inputs.push(ctx.w.addFloat(`${name}_b`, [outC], floatConstant(ctx, 2, 'bias')));
  const [pt, pb] = o.padding === Padding.SAME ? samePadding(inH, kH, o.strideH, o.dilationH) : [0, 0];
  const [pl, pr] = o.padding === Padding.SAME ? samePadding(inW, kW, o.strideW, o.dilationW) : [0, 0];
  expectSize(ctx, [convOutSize(o.padding, inH, kH, o.strideH, o.dilationH), convOutSize(o.padding, inW, kW, o.strideW, o.dilationW)], outputIndex(ctx));
  const pre = preActivationName(ctx, o.activation);
  ctx.w.emit('Conv', inputs, [pre], {
    kernel_shape: [kH, kW],
    strides: [o.strideH, o.strideW],
    dilations: [o.dilationH, o.dilationW],
    pads: [pt, pl, pb, pr],
    group,
  });
  finishWithActivation(ctx, pre, o.activation);
}

function convertDepthwiseConv2D(ctx: OpContext): void {
  const o = depthwiseConv2DOptions(ctx.op.builtinOptions);
  const x = runtimeInput(ctx, 0);
  const [, inH, inW, inC] = shape4(ctx, inputIndex(ctx, 0), 'input');
  const weights = constantInput(ctx, 1, 'filter');
  if (weights.shape.length !== 4 || weights.shape[0] !== 1 || !(weights.data instanceof Float32Array)) {
    fail(ctx, 'the filter must be a float [1,H,W,C·M] tensor');
  }
  const [, kH, kW, outC] = weights.shape as [number, number, number, number];
  if (outC % inC !== 0) fail(ctx, `filter channels ${outC} are not a multiple of the input channels ${inC}`);
  const multiplier = outC / inC;
  if (o.depthMultiplier !== 0 && o.depthMultiplier !== multiplier) fail(ctx, `depth_multiplier ${o.depthMultiplier} disagrees with the shapes (${multiplier})`);
  // [1,kH,kW,C·M] → [C·M,1,kH,kW]; output channel c·M+m reads input channel c, as ONNX groups do.
  emitConv(ctx, x, [outC, 1, kH, kW], permute(weights.data, weights.shape, [3, 0, 1, 2]), [inH, inW], o, inC);
}

/**
 * A transposed convolution, as TFLite's TRANSPOSE_CONV and MediaPipe's
 * Convolution2DTransposeBias compute it: out[y] += in[iy]·w[oc,ky,kx,ic] at
 * y = iy·stride − padBefore + ky, cropped to the output size.
 */
function emitTransposedConv(
  ctx: OpContext,
  dataInput: number,
  weights: Constant,
  bias: Float32Array | null,
  stride: [number, number],
  padBefore: [number, number],
  activation: number,
): void {
  const x = runtimeInput(ctx, dataInput);
  const [, inH, inW, inC] = shape4(ctx, inputIndex(ctx, dataInput), 'input');
  if (weights.shape.length !== 4 || !(weights.data instanceof Float32Array)) fail(ctx, 'the filter must be a float OHWI tensor');
  const [outC, kH, kW, wC] = weights.shape as [number, number, number, number];
  if (wC !== inC) fail(ctx, `filter input channels ${wC} differ from the input's ${inC}`);
  const [, outH, outW, oC] = shape4(ctx, outputIndex(ctx), 'output');
  if (oC !== outC) fail(ctx, `output channels ${oC} differ from the filter's ${outC}`);
  // ONNX: out = s·(in−1) + k − padBefore − padAfter + outputPadding.
  const axis = (inSize: number, k: number, s: number, before: number, outSize: number): [number, number] => {
    const rest = s * (inSize - 1) + k - before - outSize;
    if (rest >= 0) return [rest, 0];
    if (-rest >= s) fail(ctx, `output size ${outSize} cannot be reached from input ${inSize} (stride ${s}, kernel ${k})`);
    return [0, -rest];
  };
  const [afterH, extraH] = axis(inH, kH, stride[0], padBefore[0], outH);
  const [afterW, extraW] = axis(inW, kW, stride[1], padBefore[1], outW);
  const name = `op${ctx.index}`;
  // OHWI → IOHW (ONNX ConvTranspose weights are [C_in, C_out/group, kH, kW]).
  const inputs = [x, ctx.w.addFloat(`${name}_w`, [inC, outC, kH, kW], permute(weights.data, weights.shape, [3, 0, 1, 2]))];
  if (bias) inputs.push(ctx.w.addFloat(`${name}_b`, [outC], bias));
  const attributes: Record<string, AttributeValue> = {
    kernel_shape: [kH, kW],
    strides: stride,
    pads: [padBefore[0], padBefore[1], afterH, afterW],
    group: 1,
  };
  if (extraH || extraW) attributes.output_padding = [extraH, extraW];
  const pre = preActivationName(ctx, activation);
  ctx.w.emit('ConvTranspose', inputs, [pre], attributes);
  finishWithActivation(ctx, pre, activation);
}

function convertTransposeConv(ctx: OpContext): void {
  const o = transposeConvOptions(ctx.op.builtinOptions);
  const weights = constantInput(ctx, 1, 'filter');
  const [, kH, kW] = weights.shape as [number, number, number, number];
  const [, outH, outW] = shape4(ctx, outputIndex(ctx), 'output');
  const outputShape = constantInput(ctx, 0, 'output shape');
  if (outputShape.data[1] !== outH || outputShape.data[2] !== outW) {
    fail(ctx, `output_shape [${Array.from(outputShape.data).join(',')}] disagrees with the output tensor [${ctx.w.shape(outputIndex(ctx)).join(',')}]`);
  }
  // TFLite pads as a forward SAME convolution from the output size would; VALID does not pad.
  const before = (outSize: number, k: number, s: number): number => (o.padding === Padding.SAME ? samePadding(outSize, k, s)[0] : 0);
  const bias = ctx.op.inputs.length > 3 && ctx.op.inputs[3]! >= 0 ? floatConstant(ctx, 3, 'bias') : null;
  emitTransposedConv(ctx, 2, weights, bias, [o.strideH, o.strideW], [before(outH, kH, o.strideH), before(outW, kW, o.strideW)], o.activation);
}

/**
 * MediaPipe's Convolution2DTransposeBias. custom_options is a TfLiteTransposeConvParams:
 * int32 padding (TfLitePadding: 1 SAME, 2 VALID), int32 stride_width, int32 stride_height,
 * little-endian. With SAME the padding is max(0, k − (in−1) mod s − 1), split floor / rest.
 */
function convertTransposeConvBias(ctx: OpContext): void {
  const options = ctx.op.customOptions;
  if (!options || options.length < 12) fail(ctx, `custom_options must hold 12 bytes (padding, stride_width, stride_height), got ${options?.length ?? 0}`);
  const view = new DataView(options.buffer, options.byteOffset, options.byteLength);
  const padding = view.getInt32(0, true);
  const strideW = view.getInt32(4, true);
  const strideH = view.getInt32(8, true);
  if (padding !== 1 && padding !== 2) fail(ctx, `padding ${padding} is neither SAME (1) nor VALID (2)`);
  if (strideW < 1 || strideH < 1) fail(ctx, `strides ${strideW}×${strideH} must be positive`);
  const [, inH, inW] = shape4(ctx, inputIndex(ctx, 0), 'input');
  const weights = constantInput(ctx, 1, 'filter');
  const [, kH, kW] = weights.shape as [number, number, number, number];
  const before = (inSize: number, k: number, s: number): number =>
    padding === 1 ? Math.floor(Math.max(0, k - ((inSize - 1) % s) - 1) / 2) : 0;
  const total = (inSize: number, k: number, s: number): number => (padding === 1 ? Math.max(0, k - ((inSize - 1) % s) - 1) : 0);
  expectSize(ctx, [strideH * (inH - 1) + kH - total(inH, kH, strideH), strideW * (inW - 1) + kW - total(inW, kW, strideW)], outputIndex(ctx));
  emitTransposedConv(ctx, 0, weights, floatConstant(ctx, 2, 'bias'), [strideH, strideW], [before(inH, kH, strideH), before(inW, kW, strideW)], Activation.NONE);
}

/** A constant operand of an element-wise op, broadcastable against a rank-4 NCHW value. */
function broadcastConstant(ctx: OpContext, c: Constant, i: number, otherRank: number): string {
  if (!(c.data instanceof Float32Array)) fail(ctx, `constant input ${i} must be float`);
  const name = `op${ctx.index}_c${i}`;
  if (otherRank !== 4) return ctx.w.addFloat(name, c.shape, c.data);
  if (c.shape.length > 4) fail(ctx, `constant input ${i} has rank ${c.shape.length}`);
  const nhwc = [...new Array<number>(4 - c.shape.length).fill(1), ...c.shape];
  return ctx.w.addFloat(name, [nhwc[0]!, nhwc[3]!, nhwc[1]!, nhwc[2]!], permute(c.data, nhwc, [0, 3, 1, 2]));
}

function convertBinary(ctx: OpContext, opType: 'Add' | 'Mul'): void {
  const activation = elementwiseActivation(ctx.op.builtinOptions);
  const a = inputIndex(ctx, 0);
  const b = inputIndex(ctx, 1);
  const ca = ctx.w.names.has(a) ? null : ctx.w.constant(a);
  const cb = ctx.w.names.has(b) ? null : ctx.w.constant(b);
  if (ca && cb) fail(ctx, 'both inputs are constants (fold them before converting)');
  const rankA = ctx.w.shape(a).length;
  const rankB = ctx.w.shape(b).length;
  if (!ca && !cb && rankA !== rankB) fail(ctx, `runtime inputs of ranks ${rankA} and ${rankB} cannot be broadcast in NCHW`);
  const na = ca ? broadcastConstant(ctx, ca, 0, rankB) : runtimeInput(ctx, 0);
  const nb = cb ? broadcastConstant(ctx, cb, 1, rankA) : runtimeInput(ctx, 1);
  const pre = preActivationName(ctx, activation);
  ctx.w.emit(opType, [na, nb], [pre]);
  finishWithActivation(ctx, pre, activation);
}

function convertUnary(ctx: OpContext, opType: 'Sigmoid' | 'Relu'): void {
  const x = runtimeInput(ctx, 0);
  const out = outputIndex(ctx);
  const name = valueName(ctx.w, out);
  ctx.w.names.set(out, name);
  ctx.w.emit(opType, [x], [name]);
}

function convertRelu6(ctx: OpContext): void {
  finishWithActivation(ctx, runtimeInput(ctx, 0), Activation.RELU6);
}

/** x · relu6(x + 3) / 6 = x · HardSigmoid(x; α = 1/6, β = 0.5) (HardSwish itself needs opset 14). */
function convertHardSwish(ctx: OpContext): void {
  const x = runtimeInput(ctx, 0);
  const out = outputIndex(ctx);
  const name = valueName(ctx.w, out);
  ctx.w.names.set(out, name);
  const gate = `op${ctx.index}_gate`;
  ctx.w.emit('HardSigmoid', [x], [gate], { alpha: { float: 1 / 6 }, beta: { float: 0.5 } });
  ctx.w.emit('Mul', [x, gate], [name]);
}

function convertPool(ctx: OpContext, kind: 'AveragePool' | 'MaxPool'): void {
  const o = pool2DOptions(ctx.op.builtinOptions);
  const x = runtimeInput(ctx, 0);
  const [, inH, inW] = shape4(ctx, inputIndex(ctx, 0), 'input');
  const outH = convOutSize(o.padding, inH, o.filterH, o.strideH);
  const outW = convOutSize(o.padding, inW, o.filterW, o.strideW);
  expectSize(ctx, [outH, outW], outputIndex(ctx));
  const [pt, pb] = o.padding === Padding.SAME ? samePadding(inH, o.filterH, o.strideH) : [0, 0];
  const [pl, pr] = o.padding === Padding.SAME ? samePadding(inW, o.filterW, o.strideW) : [0, 0];
  const pre = preActivationName(ctx, o.activation);
  if (outH === 1 && outW === 1 && o.filterH === inH && o.filterW === inW && pt + pb + pl + pr === 0) {
    // The window is the whole image: a global pool (same numbers, a simpler kernel).
    ctx.w.emit(kind === 'AveragePool' ? 'GlobalAveragePool' : 'GlobalMaxPool', [x], [pre]);
  } else {
    // AveragePool's count_include_pad defaults to 0: padded pixels are left out of the mean, as in TFLite.
    ctx.w.emit(kind, [x], [pre], { kernel_shape: [o.filterH, o.filterW], strides: [o.strideH, o.strideW], pads: [pt, pl, pb, pr] });
  }
  finishWithActivation(ctx, pre, o.activation);
}

function convertResizeBilinear(ctx: OpContext): void {
  const o = resizeBilinearOptions(ctx.op.builtinOptions);
  if (o.alignCorners && o.halfPixelCenters) fail(ctx, 'align_corners and half_pixel_centers are both set');
  const x = runtimeInput(ctx, 0);
  const [n, , , c] = shape4(ctx, inputIndex(ctx, 0), 'input');
  const size = constantInput(ctx, 1, 'size');
  const [, outH, outW] = shape4(ctx, outputIndex(ctx), 'output');
  if (size.data[0] !== outH || size.data[1] !== outW) fail(ctx, `size [${Array.from(size.data).join(',')}] disagrees with the output ${outH}×${outW}`);
  const out = outputIndex(ctx);
  const name = valueName(ctx.w, out);
  ctx.w.names.set(out, name);
  const sizes = ctx.w.addInt64(`op${ctx.index}_sizes`, [n, c, outH, outW]);
  ctx.w.emit('Resize', [x, '', '', sizes], [name], {
    mode: 'linear',
    coordinate_transformation_mode: o.alignCorners ? 'align_corners' : o.halfPixelCenters ? 'half_pixel' : 'asymmetric',
  });
}

/** NHWC → NCHW axis, accepting negative axes. */
function nchwAxis(ctx: OpContext, axis: number, rank: number): number {
  const a = axis < 0 ? axis + rank : axis;
  if (a < 0 || a >= rank) fail(ctx, `axis ${axis} is out of range for rank ${rank}`);
  return rank === 4 ? NHWC_TO_NCHW_AXIS[a]! : a;
}

function convertMean(ctx: OpContext): void {
  const { keepDims } = reducerOptions(ctx.op.builtinOptions);
  const x = runtimeInput(ctx, 0);
  const inShape = ctx.w.shape(inputIndex(ctx, 0));
  const axes = [...new Set(Array.from(constantInput(ctx, 1, 'axes').data, (a) => nchwAxis(ctx, a, inShape.length)))].sort((a, b) => a - b);
  const out = outputIndex(ctx);
  const name = valueName(ctx.w, out);
  ctx.w.names.set(out, name);
  if (inShape.length === 4 && keepDims && axes.join() === '2,3') {
    ctx.w.emit('GlobalAveragePool', [x], [name]);
    return;
  }
  if (keepDims || inShape.length !== 4) {
    ctx.w.emit('ReduceMean', [x], [name], { axes, keepdims: keepDims ? 1 : 0 });
    return;
  }
  // Rank 4 without keep_dims: reduce in NCHW, then lay the rest out as TFLite does.
  const reduced = `op${ctx.index}_mean`;
  const nhwc = `op${ctx.index}_nhwc`;
  ctx.w.emit('ReduceMean', [x], [reduced], { axes, keepdims: 1 });
  ctx.w.emit('Transpose', [reduced], [nhwc], { perm: [0, 2, 3, 1] });
  ctx.w.emit('Reshape', [nhwc, ctx.w.addInt64(`op${ctx.index}_shape`, ctx.w.shape(out))], [name]);
}

function convertConcatenation(ctx: OpContext): void {
  const o = concatenationOptions(ctx.op.builtinOptions);
  const out = outputIndex(ctx);
  const rank = ctx.w.shape(out).length;
  const inputs = ctx.op.inputs.map((_, i) => runtimeInput(ctx, i));
  const pre = preActivationName(ctx, o.activation);
  ctx.w.emit('Concat', inputs, [pre], { axis: nchwAxis(ctx, o.axis, rank) });
  finishWithActivation(ctx, pre, o.activation);
}

/** RESHAPE: TFLite reshapes NHWC memory, so rank-4 values go through NHWC around the Reshape. */
function convertReshape(ctx: OpContext): void {
  const x = runtimeInput(ctx, 0);
  const inShape = ctx.w.shape(inputIndex(ctx, 0));
  const out = outputIndex(ctx);
  const outShape = ctx.w.shape(out);
  if (product(inShape) !== product(outShape)) fail(ctx, `cannot reshape [${inShape.join(',')}] to [${outShape.join(',')}]`);
  const name = valueName(ctx.w, out);
  ctx.w.names.set(out, name);
  const p = `op${ctx.index}`;
  let src = x;
  if (inShape.length === 4) {
    src = `${p}_nhwc`;
    ctx.w.emit('Transpose', [x], [src], { perm: [0, 2, 3, 1] });
  }
  if (outShape.length === 4) {
    const reshaped = `${p}_reshaped`;
    ctx.w.emit('Reshape', [src, ctx.w.addInt64(`${p}_shape`, outShape)], [reshaped]);
    ctx.w.emit('Transpose', [reshaped], [name], { perm: [0, 3, 1, 2] });
  } else {
    ctx.w.emit('Reshape', [src, ctx.w.addInt64(`${p}_shape`, outShape)], [name]);
  }
}

/** DEQUANTIZE of a constant: folded into a float32 constant (float16 weights). */
function foldDequantize(ctx: OpContext): void {
  const t = inputIndex(ctx, 0);
  const tensor = ctx.w.graph.tensors[t]!;
  if (tensor.type !== TensorType.FLOAT16) fail(ctx, `only float16 constants can be dequantized (input type ${tensor.type})`);
  const c = ctx.w.constant(t);
  if (!c) fail(ctx, 'dequantizing a computed tensor is not supported (only constant float16 weights)');
  ctx.w.constants.set(outputIndex(ctx), c);
  ctx.w.foldedDequantize++;
}

/** Converters by TFLite builtin code. */
const BUILTIN_CONVERTERS = new Map<number, (ctx: OpContext) => void>([
  [BuiltinOperator.CONV_2D, convertConv2D],
  [BuiltinOperator.DEPTHWISE_CONV_2D, convertDepthwiseConv2D],
  [BuiltinOperator.TRANSPOSE_CONV, convertTransposeConv],
  [BuiltinOperator.ADD, (ctx) => convertBinary(ctx, 'Add')],
  [BuiltinOperator.MUL, (ctx) => convertBinary(ctx, 'Mul')],
  [BuiltinOperator.HARD_SWISH, convertHardSwish],
  [BuiltinOperator.LOGISTIC, (ctx) => convertUnary(ctx, 'Sigmoid')],
  [BuiltinOperator.RELU, (ctx) => convertUnary(ctx, 'Relu')],
  [BuiltinOperator.RELU6, convertRelu6],
  [BuiltinOperator.AVERAGE_POOL_2D, (ctx) => convertPool(ctx, 'AveragePool')],
  [BuiltinOperator.MAX_POOL_2D, (ctx) => convertPool(ctx, 'MaxPool')],
  [BuiltinOperator.RESIZE_BILINEAR, convertResizeBilinear],
  [BuiltinOperator.MEAN, convertMean],
  [BuiltinOperator.CONCATENATION, convertConcatenation],
  [BuiltinOperator.RESHAPE, convertReshape],
  [BuiltinOperator.DEQUANTIZE, foldDequantize],
]);

/** Converters of custom operators by custom code. */
const CUSTOM_CONVERTERS = new Map<string, (ctx: OpContext) => void>([[MEDIAPIPE_TRANSPOSE_CONV_BIAS, convertTransposeConvBias]]);

/** The operator's name as reports and errors print it: the builtin name, or the custom code. */
function operatorLabel(model: TfliteModel, op: Operator, index: number): string {
  const code = model.operatorCodes[op.opcodeIndex];
  if (!code) throw new TfliteConversionError(`operator ${index}: opcode_index ${op.opcodeIndex} is out of range (${model.operatorCodes.length} operator codes)`);
  if (code.builtinCode === BuiltinOperator.CUSTOM) return code.customCode ?? 'CUSTOM (no custom_code)';
  return builtinName(code.builtinCode);
}

function countBy<T>(items: readonly T[], key: (item: T) => string): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const item of items) counts[key(item)] = (counts[key(item)] ?? 0) + 1;
  return Object.fromEntries(Object.entries(counts).sort(([a], [b]) => a.localeCompare(b)));
}

/**
 * Converts a single-input, single-output TFLite image network (NHWC float32 input
 * [1,H,W,C], output [1,H',W',C']) to an ONNX model (opset 13) that takes `src` [1,C,H,W]
 * float32 — the values the TFLite input takes (0..1 for the selfie segmenters), NCHW — and
 * gives `pha` [1,C',H',W'] (for the selfie segmenters [1,1,H,W], person confidence 0..1).
 * The output is byte-for-byte the same for the same input bytes and converter version.
 * @param bytes the .tflite file
 * @returns the ONNX model bytes and a report (operators, parameters, source sha256)
 * @throws TfliteFormatError when the bytes are not a TFLite model
 * @throws TfliteConversionError naming the operator (builtin name or custom code) and its
 *   index for an operator that is not mapped or whose parameters are not supported, and for
 *   models other than one subgraph with one float32 NHWC batch-1 input and output
 */
export function convertTfliteToOnnx(bytes: Uint8Array, opts: ConvertOptions = {}): { onnx: Uint8Array; report: ConversionReport } {
  const model = readTflite(bytes);
  if (model.subgraphs.length !== 1) throw new TfliteConversionError(`expected one subgraph, found ${model.subgraphs.length}`);
  const graph = model.subgraphs[0]!;
  if (graph.inputs.length !== 1 || graph.outputs.length !== 1) {
    throw new TfliteConversionError(`expected one input and one output, found ${graph.inputs.length} and ${graph.outputs.length}`);
  }
  const inputTensor = graph.inputs[0]!;
  const outputTensor = graph.outputs[0]!;
  const inT = graph.tensors[inputTensor]!;
  const outT = graph.tensors[outputTensor]!;
  for (const [role, t] of [['input', inT], ['output', outT]] as const) {
    if (t.shape.length !== 4 || t.shape[0] !== 1 || t.type !== TensorType.FLOAT32) {
      throw new TfliteConversionError(`${role} "${t.name}" must be float32 NHWC with batch 1, got type ${t.type} [${t.shape.join(',')}]`);
    }
  }
  const [, h, w, c] = inT.shape as [number, number, number, number];
  const [, outH, outW, outC] = outT.shape as [number, number, number, number];
  const inputName = opts.inputName ?? 'src';
  const outputName = opts.outputName ?? 'pha';
  const writer = new GraphWriter(model, graph);
  writer.names.set(inputTensor, inputName);
  const labels = graph.operators.map((op, index) => operatorLabel(model, op, index));

  graph.operators.forEach((op, index) => {
    const label = labels[index]!;
    const code = model.operatorCodes[op.opcodeIndex]!;
    const convert = code.builtinCode === BuiltinOperator.CUSTOM ? CUSTOM_CONVERTERS.get(label) : BUILTIN_CONVERTERS.get(code.builtinCode);
    if (!convert) {
      const kind = code.builtinCode === BuiltinOperator.CUSTOM ? 'custom operator' : 'builtin operator';
      throw new TfliteConversionError(`operator ${index} (${label}): ${kind} ${label} is not supported by the TFLite → ONNX converter`);
    }
    // The graph output keeps its ONNX name from the start, so the last node writes `pha` directly.
    if (op.outputs.includes(outputTensor)) writer.names.set(outputTensor, outputName);
    try {
      convert({ w: writer, op, index, label });
    } catch (err) {
      // A model whose tensors disagree (a bias of the wrong length, say) fails in the ONNX
      // builders: report it as this operator's conversion error.
      if (err instanceof TfliteConversionError || err instanceof TfliteFormatError) throw err;
      throw new TfliteConversionError(`operator ${index} (${label}): ${err instanceof Error ? err.message : String(err)}`, { cause: err });
    }
  });
  if (writer.names.get(outputTensor) !== outputName) throw new TfliteConversionError(`no operator produces the output "${outT.name}"`);

  const initializers = writer.initializers;
  const sourceSha256 = createHash('sha256').update(bytes).digest('hex');
  const onnx = encodeModel({
    name: opts.name ?? 'converted',
    nodes: writer.nodes,
    inputs: [valueInfo(inputName, [1, c, h, w])],
    outputs: [valueInfo(outputName, [1, outC, outH, outW])],
    initializers,
    opset: DEFAULT_OPSET,
    producer: 'bg-replacer scripts/lib/tflite/convert.ts',
    docString: `Converted from TFLite (${model.description || 'no description'}): NHWC → NCHW, float16 weights → float32.`,
    metadata: {
      source_sha256: sourceSha256,
      converter: 'scripts/lib/tflite/convert.ts',
      converter_version: CONVERTER_VERSION,
      source_description: model.description,
    },
  });
  const report: ConversionReport = {
    sourceSha256,
    converterVersion: CONVERTER_VERSION,
    input: { name: inputName, shape: [1, c, h, w] },
    output: { name: outputName, shape: [1, outC, outH, outW] },
    tfliteOperators: countBy(labels, (l) => l),
    onnxNodes: countBy(writer.nodes, (nd) => nd.opType ?? ''),
    foldedDequantize: writer.foldedDequantize,
    initializers: initializers.length,
    parameters: initializers.filter((t) => t.dataType === DataType.FLOAT).reduce((sum, t) => sum + product((t.dims ?? []).map(Number)), 0),
  };
  return { onnx, report };
}
