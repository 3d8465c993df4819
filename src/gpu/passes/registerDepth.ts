import code from '../../../shaders/register_depth.wgsl?raw';
import { InputError } from '../../errors';
import type { KinectCalibration, RegisterTables } from '../../types/kinect';
import { REGISTER_FOOTPRINT_MAX } from '../params/registerDepth';
import { buildComputePass, dispatch2d, readStorage, storage, storageTexture, uniform } from '../pass';

/** Outputs of the registration, both r32float at the colour camera's size with STORAGE_BINDING. */
export interface RegisterDepthIO {
  /** Registered depth: colour-camera z in integer millimetres, 0 = no depth sample lands here. */
  depth: GPUTexture;
  /** 1 where the nearest depth sample landing here belongs to the subject mask, else 0 (0 where no depth). */
  subject: GPUTexture;
}

/** A bind group for one pair of outputs, valid for the calibration it was made under. */
export interface RegisterDepthBinding {
  group: GPUBindGroup;
  /** setCalibration count when bound: encode refuses a binding made under an earlier calibration. */
  generation: number;
}

/** Buffers sized for one calibration. */
interface CalibrationBuffers {
  depthWidth: number;
  depthHeight: number;
  colorWidth: number;
  colorHeight: number;
  depthWords: GPUBuffer;
  subjectWords: GPUBuffer;
  rays: GPUBuffer;
  corners: GPUBuffer;
  zbuffer: GPUBuffer;
}

const PARAMS_BYTES = 144;
const FLAGS_OFFSET = 128;

/** Bind group of shaders/register_depth.wgsl (entry points `splat` and `resolve`), by WGSL name. */
export const REGISTER_DEPTH_BINDINGS = {
  depthWords: readStorage(),
  subjectWords: readStorage(),
  rays: readStorage(),
  cornerRays: readStorage(),
  zbuffer: storage(),
  params: uniform(),
  depthOut: storageTexture('r32float'),
  subjectOut: storageTexture('r32float'),
};

/**
 * Azure Kinect depth → colour registration on the GPU (shaders/register_depth.wgsl; reference:
 * src/gpu/reference/registerDepth.ts, which states the method). Per frame: upload the uint16
 * depth image (and the subject mask), clear the z-buffer, splat every depth pixel's footprint
 * with atomicMax, resolve into the two r32float outputs.
 * Usage: setCalibration once per recording (uploads the ray tables and camera parameters), bind
 * the outputs, then encode per frame — one encode per queue submission, since the depth upload
 * is a queue.writeBuffer that lands before the submission runs.
 */
export function createRegisterDepthPass(device: GPUDevice) {
  const gpu = buildComputePass(device, { label: 'register-depth', code, bindings: REGISTER_DEPTH_BINDINGS, entryPoints: ['splat', 'resolve'] });
  const { splat, resolve } = gpu.pipelines;
  const params = device.createBuffer({ label: 'register-depth params', size: PARAMS_BYTES, usage: GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST });
  let buffers: CalibrationBuffers | null = null;
  let generation = 0;

  const destroyBuffers = (): void => {
    if (!buffers) return;
    for (const b of [buffers.depthWords, buffers.subjectWords, buffers.rays, buffers.corners, buffers.zbuffer]) b.destroy();
    buffers = null;
  };

  /** Writes a typed array whose byte length may not be a multiple of 4 (zero-padded). */
  const writePadded = (buffer: GPUBuffer, data: Uint8Array | Uint16Array): void => {
    const bytes = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
    if (bytes.byteLength % 4 === 0 && bytes.byteOffset % 4 === 0) {
      device.queue.writeBuffer(buffer, 0, bytes as Uint8Array<ArrayBuffer>);
      return;
    }
    const padded = new Uint8Array(Math.ceil(bytes.byteLength / 4) * 4);
    padded.set(bytes);
    device.queue.writeBuffer(buffer, 0, padded);
  };

  return {
    /**
     * Sizes the buffers for this calibration and uploads the depth camera's ray tables and the
     * colour camera's parameters (float32). Bindings made before are invalid afterwards.
     * @param tables the depth camera's ray tables, registerTables(cal) (src/sources/kinect/calibration.ts;
     *   computing them takes a fraction of a second at 640×576)
     */
    setCalibration(cal: KinectCalibration, tables: RegisterTables): void {
      const { width: wd, height: hd } = cal.depth;
      const { width: wc, height: hc } = cal.color;
      if (tables.rays.length !== wd * hd * 2 || tables.corners.length !== (wd + 1) * (hd + 1) * 2) {
        throw new RangeError(`register-depth: ray tables do not match the ${wd}×${hd} depth camera`);
      }
      destroyBuffers();
      const n = wd * hd;
      const make = (label: string, size: number, extra = 0): GPUBuffer =>
        device.createBuffer({ label: `register-depth ${label}`, size: Math.max(4, Math.ceil(size / 4) * 4), usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_DST | extra });
      buffers = {
        depthWidth: wd,
        depthHeight: hd,
        colorWidth: wc,
        colorHeight: hc,
        depthWords: make('depth', n * 2),
        subjectWords: make('subject', n),
        rays: make('rays', tables.rays.byteLength),
        corners: make('corner rays', tables.corners.byteLength),
        zbuffer: make('z-buffer', wc * hc * 4, GPUBufferUsage.COPY_SRC),
      };
      device.queue.writeBuffer(buffers.rays, 0, tables.rays as Float32Array<ArrayBuffer>);
      device.queue.writeBuffer(buffers.corners, 0, tables.corners as Float32Array<ArrayBuffer>);
      const data = new ArrayBuffer(PARAMS_BYTES);
      const f = new Float32Array(data, 0, 28);
      const c = cal.color;
      const R = cal.depthToColor.rotation;
      const t = cal.depthToColor.translationMm;
      f.set([c.cx, c.cy, c.fx, c.fy, ...c.k, c.codx, c.cody, c.p1, c.p2, c.metricRadius, REGISTER_FOOTPRINT_MAX / 2]);
      f.set([R[0]!, R[1]!, R[2]!, t[0], R[3]!, R[4]!, R[5]!, t[1], R[6]!, R[7]!, R[8]!, t[2]], 16);
      new Uint32Array(data, 112, 8).set([wd, hd, wc, hc, 0, 0, 0, 0]);
      device.queue.writeBuffer(params, 0, data);
      generation++;
    },

    /**
     * @throws Error before setCalibration; RangeError when an output is not r32float at the colour camera's size
     */
    bind(io: RegisterDepthIO): RegisterDepthBinding {
      if (!buffers) throw new Error('register-depth: setCalibration must come before bind');
      for (const [name, t] of Object.entries(io) as Array<[string, GPUTexture]>) {
        if (t.width !== buffers.colorWidth || t.height !== buffers.colorHeight || t.format !== 'r32float') {
          throw new RangeError(`register-depth: ${name} output is ${t.format} ${t.width}×${t.height}, expected r32float ${buffers.colorWidth}×${buffers.colorHeight}`);
        }
      }
      const group = gpu.bind({
        depthWords: buffers.depthWords,
        subjectWords: buffers.subjectWords,
        rays: buffers.rays,
        cornerRays: buffers.corners,
        zbuffer: buffers.zbuffer,
        params,
        depthOut: io.depth,
        subjectOut: io.subject,
      });
      return { group, generation };
    },

    /**
     * Uploads one depth frame (and subject mask) and records clear, splat and resolve.
     * @param depth [Hd, Wd] uint16 millimetres, 0 = invalid
     * @param subject [Hd, Wd] uint8, non-zero = subject; null/undefined = no mask (subject output 0)
     * @throws InputError 'corrupt-input' when depth or subject does not have Hd·Wd samples;
     *   Error when the binding predates the current calibration
     */
    encode(encoder: GPUCommandEncoder, b: RegisterDepthBinding, depth: Uint16Array, subject?: Uint8Array | null): void {
      if (!buffers || b.generation !== generation) throw new Error('register-depth: the binding predates the current calibration — bind again');
      const n = buffers.depthWidth * buffers.depthHeight;
      if (depth.length !== n) {
        throw new InputError('corrupt-input', `Depth frame has ${depth.length} samples, the calibration's depth mode is ${buffers.depthWidth}×${buffers.depthHeight}.`);
      }
      if (subject && subject.length !== n) {
        throw new InputError('corrupt-input', `Subject mask has ${subject.length} samples, the depth image is ${buffers.depthWidth}×${buffers.depthHeight}.`);
      }
      writePadded(buffers.depthWords, depth);
      if (subject) writePadded(buffers.subjectWords, subject);
      device.queue.writeBuffer(params, FLAGS_OFFSET, new Uint32Array([subject ? 1 : 0, 0, 0, 0]));
      encoder.clearBuffer(buffers.zbuffer);
      dispatch2d(encoder, splat, b.group, buffers.depthWidth, buffers.depthHeight);
      dispatch2d(encoder, resolve, b.group, buffers.colorWidth, buffers.colorHeight);
    },

    /** Destroys the pass's buffers (the outputs belong to the caller). */
    dispose(): void {
      destroyBuffers();
      params.destroy();
    },
  };
}
