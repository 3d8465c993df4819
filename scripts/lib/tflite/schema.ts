// A reader for the TFLite model container (FlatBuffers, file identifier "TFL3"), written
// against tensorflow/lite/schema/schema.fbs. Only the tables and fields the TFLite → ONNX
// converter needs are read; field numbers below are the schema's declaration order (a
// union takes two slots: its type, then its value).
import { ByteBuffer } from 'flatbuffers';

/** TFLite TensorType values (schema.fbs `enum TensorType : byte`). */
export const TensorType = {
  FLOAT32: 0,
  FLOAT16: 1,
  INT32: 2,
  UINT8: 3,
  INT64: 4,
  STRING: 5,
  BOOL: 6,
  INT16: 7,
  COMPLEX64: 8,
  INT8: 9,
} as const;

/** Padding (schema.fbs `enum Padding : byte`). */
export const Padding = { SAME: 0, VALID: 1 } as const;

/** Fused activations (schema.fbs `enum ActivationFunctionType : byte`). */
export const Activation = { NONE: 0, RELU: 1, RELU_N1_TO_1: 2, RELU6: 3, TANH: 4, SIGN_BIT: 5 } as const;

/**
 * BuiltinOperator names by code (schema.fbs `enum BuiltinOperator : int32`), used to name
 * operators in reports and errors. Codes past the end of this list print as "BUILTIN_<code>".
 */
const BUILTIN_NAMES = [
  'ADD', 'AVERAGE_POOL_2D', 'CONCATENATION', 'CONV_2D', 'DEPTHWISE_CONV_2D', 'DEPTH_TO_SPACE', 'DEQUANTIZE',
  'EMBEDDING_LOOKUP', 'FLOOR', 'FULLY_CONNECTED', 'HASHTABLE_LOOKUP', 'L2_NORMALIZATION', 'L2_POOL_2D',
  'LOCAL_RESPONSE_NORMALIZATION', 'LOGISTIC', 'LSH_PROJECTION', 'LSTM', 'MAX_POOL_2D', 'MUL', 'RELU',
  'RELU_N1_TO_1', 'RELU6', 'RESHAPE', 'RESIZE_BILINEAR', 'RNN', 'SOFTMAX', 'SPACE_TO_DEPTH', 'SVDF', 'TANH',
  'CONCAT_EMBEDDINGS', 'SKIP_GRAM', 'CALL', 'CUSTOM', 'EMBEDDING_LOOKUP_SPARSE', 'PAD',
  'UNIDIRECTIONAL_SEQUENCE_RNN', 'GATHER', 'BATCH_TO_SPACE_ND', 'SPACE_TO_BATCH_ND', 'TRANSPOSE', 'MEAN', 'SUB',
  'DIV', 'SQUEEZE', 'UNIDIRECTIONAL_SEQUENCE_LSTM', 'STRIDED_SLICE', 'BIDIRECTIONAL_SEQUENCE_RNN', 'EXP',
  'TOPK_V2', 'SPLIT', 'LOG_SOFTMAX', 'DELEGATE', 'BIDIRECTIONAL_SEQUENCE_LSTM', 'CAST', 'PRELU', 'MAXIMUM',
  'ARG_MAX', 'MINIMUM', 'LESS', 'NEG', 'PADV2', 'GREATER', 'GREATER_EQUAL', 'LESS_EQUAL', 'SELECT', 'SLICE',
  'SIN', 'TRANSPOSE_CONV', 'SPARSE_TO_DENSE', 'TILE', 'EXPAND_DIMS', 'EQUAL', 'NOT_EQUAL', 'LOG', 'SUM', 'SQRT',
  'RSQRT', 'SHAPE', 'POW', 'ARG_MIN', 'FAKE_QUANT', 'REDUCE_PROD', 'REDUCE_MAX', 'PACK', 'LOGICAL_OR',
  'ONE_HOT', 'LOGICAL_AND', 'LOGICAL_NOT', 'UNPACK', 'REDUCE_MIN', 'FLOOR_DIV', 'REDUCE_ANY', 'SQUARE',
  'ZEROS_LIKE', 'FILL', 'FLOOR_MOD', 'RANGE', 'RESIZE_NEAREST_NEIGHBOR', 'LEAKY_RELU', 'SQUARED_DIFFERENCE',
  'MIRROR_PAD', 'ABS', 'SPLIT_V', 'UNIQUE', 'CEIL', 'REVERSE_V2', 'ADD_N', 'GATHER_ND', 'COS', 'WHERE', 'RANK',
  'ELU', 'REVERSE_SEQUENCE', 'MATRIX_DIAG', 'QUANTIZE', 'MATRIX_SET_DIAG', 'ROUND', 'HARD_SWISH', 'IF', 'WHILE',
  'NON_MAX_SUPPRESSION_V4', 'NON_MAX_SUPPRESSION_V5', 'SCATTER_ND', 'SELECT_V2', 'DENSIFY', 'SEGMENT_SUM',
  'BATCH_MATMUL', 'PLACEHOLDER_FOR_GREATER_OP_CODES', 'CUMSUM', 'CALL_ONCE', 'BROADCAST_TO', 'RFFT2D',
  'CONV_3D', 'IMAG', 'REAL', 'COMPLEX_ABS', 'HASHTABLE', 'HASHTABLE_FIND', 'HASHTABLE_IMPORT',
  'HASHTABLE_SIZE', 'REDUCE_ALL', 'CONV_3D_TRANSPOSE', 'VAR_HANDLE', 'READ_VARIABLE', 'ASSIGN_VARIABLE',
  'BROADCAST_ARGS', 'RANDOM_STANDARD_NORMAL', 'BUCKETIZE', 'RANDOM_UNIFORM', 'MULTINOMIAL', 'GELU',
  'DYNAMIC_UPDATE_SLICE', 'RELU_0_TO_1', 'UNSORTED_SEGMENT_PROD', 'UNSORTED_SEGMENT_MAX', 'UNSORTED_SEGMENT_SUM',
  'ATAN2', 'UNSORTED_SEGMENT_MIN', 'SIGN',
] as const;

/** The BuiltinOperator codes the converter handles, by name. */
export const BuiltinOperator = {
  ADD: 0,
  AVERAGE_POOL_2D: 1,
  CONCATENATION: 2,
  CONV_2D: 3,
  DEPTHWISE_CONV_2D: 4,
  DEQUANTIZE: 6,
  LOGISTIC: 14,
  MAX_POOL_2D: 17,
  MUL: 18,
  RELU: 19,
  RELU6: 21,
  RESHAPE: 22,
  RESIZE_BILINEAR: 23,
  CUSTOM: 32,
  MEAN: 40,
  TRANSPOSE_CONV: 67,
  HARD_SWISH: 117,
} as const;

/** The schema's name of a builtin operator code, e.g. 3 → "CONV_2D". */
export function builtinName(code: number): string {
  return BUILTIN_NAMES[code] ?? `BUILTIN_${code}`;
}

/**
 * A view of one FlatBuffers table: reads fields by their schema index (0-based declaration
 * order), returning the schema default when a field is absent.
 */
export class FlatTable {
  constructor(
    private readonly bb: ByteBuffer,
    /** Absolute byte position of the table in the buffer. */
    readonly position: number,
  ) {}

  /** Byte offset of field `index` relative to the table, or 0 when absent. */
  private offset(index: number): number {
    return this.bb.__offset(this.position, 4 + 2 * index);
  }

  /** Whether field `index` is present. */
  has(index: number): boolean {
    return this.offset(index) !== 0;
  }

  // Scalars: the field's value, or `fallback` (the schema default) when it is absent.

  int8(index: number, fallback = 0): number {
    const o = this.offset(index);
    return o ? this.bb.readInt8(this.position + o) : fallback;
  }

  uint8(index: number, fallback = 0): number {
    const o = this.offset(index);
    return o ? this.bb.readUint8(this.position + o) : fallback;
  }

  bool(index: number, fallback = false): boolean {
    const o = this.offset(index);
    return o ? this.bb.readInt8(this.position + o) !== 0 : fallback;
  }

  int32(index: number, fallback = 0): number {
    const o = this.offset(index);
    return o ? this.bb.readInt32(this.position + o) : fallback;
  }

  uint32(index: number, fallback = 0): number {
    const o = this.offset(index);
    return o ? this.bb.readUint32(this.position + o) : fallback;
  }

  uint64(index: number, fallback = 0n): bigint {
    const o = this.offset(index);
    return o ? this.bb.readUint64(this.position + o) : fallback;
  }

  /** A string field (UTF-8 decoded), or null when absent. */
  string(index: number): string | null {
    const o = this.offset(index);
    return o ? (this.bb.__string(this.position + o) as string) : null;
  }

  /** A sub-table, or null when absent. */
  table(index: number): FlatTable | null {
    const o = this.offset(index);
    return o ? new FlatTable(this.bb, this.bb.__indirect(this.position + o)) : null;
  }

  /**
   * Where a vector field's elements lie, checked against the file: a corrupt length must
   * fail here, not allocate gigabytes.
   * @throws TfliteFormatError when the vector runs past the end of the bytes
   */
  private vector(index: number, elementSize: number): { start: number; n: number } | null {
    const o = this.offset(index);
    if (!o) return null;
    const start = this.bb.__vector(this.position + o);
    const n = this.bb.__vector_len(this.position + o);
    if (start < 0 || n < 0 || start + n * elementSize > this.bb.capacity()) {
      throw new TfliteFormatError(`vector field ${index} of the table at byte ${this.position} runs past the end of the file (${n} × ${elementSize} bytes at ${start})`);
    }
    return { start, n };
  }

  /** Number of elements of a vector field (0 when absent). @throws TfliteFormatError (see vector) */
  vectorLength(index: number): number {
    return this.vector(index, 1)?.n ?? 0;
  }

  /** A [int] vector field, copied (empty when absent). */
  int32Vector(index: number): number[] {
    const v = this.vector(index, 4);
    return v ? Array.from({ length: v.n }, (_, i) => this.bb.readInt32(v.start + 4 * i)) : [];
  }

  /** A [float] vector field, copied (empty when absent). */
  float32Vector(index: number): number[] {
    const v = this.vector(index, 4);
    return v ? Array.from({ length: v.n }, (_, i) => this.bb.readFloat32(v.start + 4 * i)) : [];
  }

  /** A [long] vector field, copied (empty when absent). */
  int64Vector(index: number): bigint[] {
    const v = this.vector(index, 8);
    return v ? Array.from({ length: v.n }, (_, i) => this.bb.readInt64(v.start + 8 * i)) : [];
  }

  /** A [ubyte] vector field as a view into the model bytes (no copy), or null when absent. */
  bytes(index: number): Uint8Array | null {
    const v = this.vector(index, 1);
    return v ? this.bb.bytes().subarray(v.start, v.start + v.n) : null;
  }

  /** The tables of a [Table] vector field (empty when absent). */
  tables(index: number): FlatTable[] {
    const v = this.vector(index, 4);
    return v ? Array.from({ length: v.n }, (_, i) => new FlatTable(this.bb, this.bb.__indirect(v.start + 4 * i))) : [];
  }
}

/** OperatorCode: which operator an Operator's opcode_index refers to. */
export interface OperatorCode {
  /** BuiltinOperator code: the larger of deprecated_builtin_code (int8) and builtin_code (int32). */
  builtinCode: number;
  /** The custom operator's name when builtinCode is CUSTOM (32), else null. */
  customCode: string | null;
  version: number;
}

/** Per-tensor quantisation parameters (empty arrays when none). */
export interface Quantization {
  scale: number[];
  zeroPoint: bigint[];
  quantizedDimension: number;
}

/** One tensor of a subgraph. */
export interface Tensor {
  /** Static shape (NHWC for images); empty for scalars. */
  shape: number[];
  /** A TensorType value. */
  type: number;
  /** Index into Model.buffers; buffer 0 is the empty sentinel (no data). */
  buffer: number;
  name: string;
  quantization: Quantization | null;
}

/** One operator of a subgraph. */
export interface Operator {
  opcodeIndex: number;
  /** Tensor indices; -1 marks an omitted optional input. */
  inputs: number[];
  outputs: number[];
  /** The BuiltinOptions union's type (0: none). */
  builtinOptionsType: number;
  /** The BuiltinOptions table, read with the option accessors below, or null. */
  builtinOptions: FlatTable | null;
  /** Custom operators' options (raw bytes, a view into the model), or null. */
  customOptions: Uint8Array | null;
}

export interface SubGraph {
  name: string;
  tensors: Tensor[];
  inputs: number[];
  outputs: number[];
  operators: Operator[];
}

/** One entry of Model.metadata: a named buffer (e.g. "TFLITE_METADATA", "min_runtime_version"). */
export interface MetadataEntry {
  name: string;
  buffer: number;
}

export interface TfliteModel {
  version: number;
  description: string;
  operatorCodes: OperatorCode[];
  subgraphs: SubGraph[];
  /** Buffer contents by index (views into the model bytes); null when a buffer holds no data. */
  buffers: (Uint8Array | null)[];
  metadata: MetadataEntry[];
}

/** Field indices of the tables read here (schema.fbs declaration order). */
const F = {
  model: { version: 0, operatorCodes: 1, subgraphs: 2, description: 3, buffers: 4, metadata: 6 },
  operatorCode: { deprecatedBuiltinCode: 0, customCode: 1, version: 2, builtinCode: 3 },
  subGraph: { tensors: 0, inputs: 1, outputs: 2, operators: 3, name: 4 },
  tensor: { shape: 0, type: 1, buffer: 2, name: 3, quantization: 4 },
  quantization: { scale: 2, zeroPoint: 3, quantizedDimension: 6 },
  operator: { opcodeIndex: 0, inputs: 1, outputs: 2, builtinOptionsType: 3, builtinOptions: 4, customOptions: 5 },
  buffer: { data: 0, offset: 1, size: 2 },
  metadata: { name: 0, buffer: 1 },
} as const;

/** Error for bytes that are not a readable TFLite model. */
export class TfliteFormatError extends Error {
  override name = 'TfliteFormatError';
}

/**
 * Parses a .tflite file.
 * @param bytes the whole file
 * @returns the model's tables as plain objects; buffer contents and custom options are
 *   views into `bytes` (keep it alive and unmodified while using the result)
 * @throws TfliteFormatError when the file identifier is not "TFL3", the file is truncated,
 *   or a buffer points outside the file
 */
export function readTflite(bytes: Uint8Array): TfliteModel {
  if (bytes.length < 8) throw new TfliteFormatError(`not a TFLite model: ${bytes.length} bytes`);
  const bb = new ByteBuffer(bytes);
  if (!bb.__has_identifier('TFL3')) {
    const id = new TextDecoder().decode(bytes.subarray(4, 8));
    throw new TfliteFormatError(`not a TFLite model: file identifier is ${JSON.stringify(id)}, expected "TFL3"`);
  }
  try {
    const root = new FlatTable(bb, bb.readInt32(0));
    const operatorCodes = root.tables(F.model.operatorCodes).map((c): OperatorCode => ({
      builtinCode: Math.max(c.int8(F.operatorCode.deprecatedBuiltinCode), c.int32(F.operatorCode.builtinCode)),
      customCode: c.string(F.operatorCode.customCode),
      version: c.int32(F.operatorCode.version, 1),
    }));
    const subgraphs = root.tables(F.model.subgraphs).map((g): SubGraph => ({
      name: g.string(F.subGraph.name) ?? '',
      tensors: g.tables(F.subGraph.tensors).map((t): Tensor => {
        const q = t.table(F.tensor.quantization);
        return {
          shape: t.int32Vector(F.tensor.shape),
          type: t.int8(F.tensor.type),
          buffer: t.uint32(F.tensor.buffer),
          name: t.string(F.tensor.name) ?? '',
          quantization: q
            ? {
                scale: q.float32Vector(F.quantization.scale),
                zeroPoint: q.int64Vector(F.quantization.zeroPoint),
                quantizedDimension: q.int32(F.quantization.quantizedDimension),
              }
            : null,
        };
      }),
      inputs: g.int32Vector(F.subGraph.inputs),
      outputs: g.int32Vector(F.subGraph.outputs),
      operators: g.tables(F.subGraph.operators).map((o): Operator => ({
        opcodeIndex: o.uint32(F.operator.opcodeIndex),
        inputs: o.int32Vector(F.operator.inputs),
        outputs: o.int32Vector(F.operator.outputs),
        builtinOptionsType: o.uint8(F.operator.builtinOptionsType),
        builtinOptions: o.table(F.operator.builtinOptions),
        customOptions: o.bytes(F.operator.customOptions),
      })),
    }));
    const buffers = root.tables(F.model.buffers).map((b, i): Uint8Array | null => {
      const data = b.bytes(F.buffer.data);
      if (data && data.length > 0) return data;
      // Models over 2 GB keep buffers after the FlatBuffer: offset (from the file start) and size.
      const offset = Number(b.uint64(F.buffer.offset));
      const size = Number(b.uint64(F.buffer.size));
      if (offset > 1 && size > 0) {
        if (offset + size > bytes.length) throw new TfliteFormatError(`buffer ${i} lies outside the file (${offset}+${size} > ${bytes.length})`);
        return bytes.subarray(offset, offset + size);
      }
      return null;
    });
    return {
      version: root.uint32(F.model.version),
      description: root.string(F.model.description) ?? '',
      operatorCodes,
      subgraphs,
      buffers,
      metadata: root.tables(F.model.metadata).map((m) => ({ name: m.string(F.metadata.name) ?? '', buffer: m.uint32(F.metadata.buffer) })),
    };
  } catch (err) {
    if (err instanceof TfliteFormatError) throw err;
    throw new TfliteFormatError(`TFLite model is corrupt or truncated: ${String(err)}`, { cause: err });
  }
}

// ---- BuiltinOptions tables (only those the converter reads) ----

/** Conv2DOptions. */
export interface Conv2DOptions {
  padding: number;
  strideW: number;
  strideH: number;
  activation: number;
  dilationW: number;
  dilationH: number;
}

/** Conv2DOptions from an operator's options table (all-default when absent). */
export function conv2DOptions(t: FlatTable | null): Conv2DOptions {
  return {
    padding: t?.int8(0) ?? Padding.SAME,
    strideW: t?.int32(1) ?? 0,
    strideH: t?.int32(2) ?? 0,
    activation: t?.int8(3) ?? Activation.NONE,
    dilationW: t?.int32(4, 1) ?? 1,
    dilationH: t?.int32(5, 1) ?? 1,
  };
}

/** DepthwiseConv2DOptions. */
export interface DepthwiseConv2DOptions extends Conv2DOptions {
  depthMultiplier: number;
}

export function depthwiseConv2DOptions(t: FlatTable | null): DepthwiseConv2DOptions {
  return {
    padding: t?.int8(0) ?? Padding.SAME,
    strideW: t?.int32(1) ?? 0,
    strideH: t?.int32(2) ?? 0,
    depthMultiplier: t?.int32(3) ?? 0,
    activation: t?.int8(4) ?? Activation.NONE,
    dilationW: t?.int32(5, 1) ?? 1,
    dilationH: t?.int32(6, 1) ?? 1,
  };
}

/** Pool2DOptions (AVERAGE_POOL_2D, MAX_POOL_2D). */
export interface Pool2DOptions {
  padding: number;
  strideW: number;
  strideH: number;
  filterW: number;
  filterH: number;
  activation: number;
}

export function pool2DOptions(t: FlatTable | null): Pool2DOptions {
  return {
    padding: t?.int8(0) ?? Padding.SAME,
    strideW: t?.int32(1) ?? 0,
    strideH: t?.int32(2) ?? 0,
    filterW: t?.int32(3) ?? 0,
    filterH: t?.int32(4) ?? 0,
    activation: t?.int8(5) ?? Activation.NONE,
  };
}

/** TransposeConvOptions (fused_activation_function exists since schema v3a; default NONE). */
export interface TransposeConvOptions {
  padding: number;
  strideW: number;
  strideH: number;
  activation: number;
}

export function transposeConvOptions(t: FlatTable | null): TransposeConvOptions {
  return {
    padding: t?.int8(0) ?? Padding.SAME,
    strideW: t?.int32(1) ?? 0,
    strideH: t?.int32(2) ?? 0,
    activation: t?.int8(3) ?? Activation.NONE,
  };
}

/** The fused activation of AddOptions / MulOptions (field 0). */
export function elementwiseActivation(t: FlatTable | null): number {
  return t?.int8(0) ?? Activation.NONE;
}

/** ConcatenationOptions. */
export function concatenationOptions(t: FlatTable | null): { axis: number; activation: number } {
  return { axis: t?.int32(0) ?? 0, activation: t?.int8(1) ?? Activation.NONE };
}

/** ResizeBilinearOptions (fields 0 and 1, new_height/new_width, are deprecated). */
export function resizeBilinearOptions(t: FlatTable | null): { alignCorners: boolean; halfPixelCenters: boolean } {
  return { alignCorners: t?.bool(2) ?? false, halfPixelCenters: t?.bool(3) ?? false };
}

/** ReshapeOptions.new_shape (may be empty; the shape input then rules). */
export function reshapeOptions(t: FlatTable | null): { newShape: number[] } {
  return { newShape: t?.int32Vector(0) ?? [] };
}

/** ReducerOptions (MEAN, SUM, …). */
export function reducerOptions(t: FlatTable | null): { keepDims: boolean } {
  return { keepDims: t?.bool(0) ?? false };
}
