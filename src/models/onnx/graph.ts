// ONNX models as data: small builders over the official ONNX protobuf schema (the
// `onnx-proto` package: protobufjs static code generated from onnx.proto, no eval), used by
// the TFLite converter, by tests that build models with random weights, and by loaders that
// read initialisers (the learned refiner's weights).
import onnxProto from 'onnx-proto';
import { halfToFloat } from '../../types/tensor';

export { halfToFloat };

export const { onnx } = onnxProto;
export type OnnxModel = onnxProto.onnx.IModelProto;
export type OnnxGraph = onnxProto.onnx.IGraphProto;
export type OnnxNode = onnxProto.onnx.INodeProto;
export type OnnxTensor = onnxProto.onnx.ITensorProto;
export type OnnxValueInfo = onnxProto.onnx.IValueInfoProto;

/** ONNX element types this project writes or reads. */
export const DataType = {
  FLOAT: onnx.TensorProto.DataType.FLOAT,
  FLOAT16: onnx.TensorProto.DataType.FLOAT16,
  INT32: onnx.TensorProto.DataType.INT32,
  INT64: onnx.TensorProto.DataType.INT64,
} as const;

/** The default opset the builders target (ONNX 1.10 schema; onnxruntime-web 1.30 runs it). */
export const DEFAULT_OPSET = 13;

/** An attribute value: numbers become INT (integers) or FLOAT, arrays INTS/FLOATS, strings STRING. */
export type AttributeValue = number | string | number[] | { floats: number[] } | { float: number } | OnnxTensor;

function attribute(name: string, value: AttributeValue): onnxProto.onnx.IAttributeProto {
  const T = onnx.AttributeProto.AttributeType;
  if (typeof value === 'string') return { name, type: T.STRING, s: new TextEncoder().encode(value) };
  if (typeof value === 'number') {
    return Number.isInteger(value) ? { name, type: T.INT, i: value } : { name, type: T.FLOAT, f: value };
  }
  if (Array.isArray(value)) {
    return value.every(Number.isInteger) ? { name, type: T.INTS, ints: value } : { name, type: T.FLOATS, floats: value };
  }
  if ('floats' in value) return { name, type: T.FLOATS, floats: value.floats };
  if ('float' in value) return { name, type: T.FLOAT, f: value.float };
  return { name, type: T.TENSOR, t: value };
}

/**
 * One graph node.
 * @param opType ONNX operator, e.g. "Conv"
 * @param attributes integer-valued numbers are written as INT(S); use {float}/{floats} to force FLOAT(S)
 */
export function node(
  opType: string,
  inputs: string[],
  outputs: string[],
  attributes: Record<string, AttributeValue> = {},
  name = outputs[0] ?? opType,
): OnnxNode {
  return {
    opType,
    input: inputs,
    output: outputs,
    name,
    attribute: Object.entries(attributes).map(([k, v]) => attribute(k, v)),
  };
}

/**
 * A float32 initialiser (stored as raw little-endian bytes).
 * @param dims tensor shape; data.length must equal the product of dims
 * @throws RangeError when the sizes disagree
 */
export function tensorF32(name: string, dims: readonly number[], data: ArrayLike<number>): OnnxTensor {
  const count = dims.reduce((a, b) => a * b, 1);
  if (data.length !== count) throw new RangeError(`tensor ${name}: ${data.length} values for shape [${dims.join(',')}]`);
  const values = Float32Array.from(data);
  return { name, dims: [...dims], dataType: DataType.FLOAT, rawData: new Uint8Array(values.buffer) };
}

/** An int64 initialiser (shapes, axes, pads), stored as raw bytes. */
export function tensorI64(name: string, dims: readonly number[], data: readonly number[]): OnnxTensor {
  const values = BigInt64Array.from(data.map((v) => BigInt(v)));
  return { name, dims: [...dims], dataType: DataType.INT64, rawData: new Uint8Array(values.buffer) };
}

/** A graph input or output: a float32 (or other elemType) tensor of fixed shape. */
export function valueInfo(name: string, dims: readonly number[], elemType: number = DataType.FLOAT): OnnxValueInfo {
  return {
    name,
    type: { tensorType: { elemType, shape: { dim: dims.map((d) => ({ dimValue: d })) } } },
  };
}

/** Options of encodeModel. */
export interface ModelSpec {
  name: string;
  nodes: OnnxNode[];
  inputs: OnnxValueInfo[];
  outputs: OnnxValueInfo[];
  initializers?: OnnxTensor[];
  opset?: number;
  producer?: string;
  docString?: string;
  /** Free-form key/value metadata (e.g. the source model's sha256). */
  metadata?: Record<string, string>;
}

/** Serialises a model to ONNX protobuf bytes (IR version 8). */
export function encodeModel(spec: ModelSpec): Uint8Array {
  const model: OnnxModel = {
    irVersion: 8,
    producerName: spec.producer ?? 'bg-replacer',
    docString: spec.docString ?? '',
    opsetImport: [{ domain: '', version: spec.opset ?? DEFAULT_OPSET }],
    metadataProps: Object.entries(spec.metadata ?? {}).map(([key, value]) => ({ key, value })),
    graph: {
      name: spec.name,
      node: spec.nodes,
      input: spec.inputs,
      output: spec.outputs,
      initializer: spec.initializers ?? [],
    },
  };
  return onnx.ModelProto.encode(onnx.ModelProto.create(model)).finish();
}

/**
 * Parses ONNX protobuf bytes.
 * @throws Error (from protobufjs) when the bytes are not a valid ModelProto
 */
export function decodeModel(bytes: Uint8Array): onnxProto.onnx.ModelProto {
  return onnx.ModelProto.decode(bytes);
}

/**
 * The values of a FLOAT or FLOAT16 initialiser as float32 (raw_data or float_data).
 * @throws Error naming the tensor for other element types or a size that does not match its dims
 */
export function tensorToFloat32(t: OnnxTensor): Float32Array {
  const dims = (t.dims ?? []).map(Number);
  const count = dims.reduce((a, b) => a * b, 1);
  let out: Float32Array;
  if (t.dataType === DataType.FLOAT) {
    if (t.rawData && t.rawData.length > 0) {
      const raw = t.rawData;
      out = new Float32Array(raw.length / 4);
      new Uint8Array(out.buffer).set(raw);
    } else {
      out = Float32Array.from(t.floatData ?? []);
    }
  } else if (t.dataType === DataType.FLOAT16) {
    let halves: ArrayLike<number>;
    if (t.rawData && t.rawData.length > 0) {
      const u16 = new Uint16Array(t.rawData.length / 2);
      new Uint8Array(u16.buffer).set(t.rawData);
      halves = u16;
    } else {
      halves = t.int32Data ?? [];
    }
    out = Float32Array.from(halves, halfToFloat);
  } else {
    throw new Error(`ONNX tensor ${t.name ?? '(unnamed)'}: element type ${t.dataType} is not float32 or float16`);
  }
  if (out.length !== count) throw new Error(`ONNX tensor ${t.name ?? '(unnamed)'}: ${out.length} values for shape [${dims.join(',')}]`);
  return out;
}
