// The Azure Kinect depth stage of the frame pipeline: the frame's depth image is segmented
// into the subject's depth band (CPU, in the depth camera's geometry), registered to the
// colour frame with the subject flag (shaders/register_depth.wgsl) and fused into the colour
// model's coarse masks (shaders/fuse_depth.wgsl) before they are upsampled, so depth — far
// more tolerant of colour similarity than a colour-only model — becomes the rough
// segmentation, as in Virtual Stage (Microsoft / Plain Concepts, 2020); where the depth
// camera has no measurement (the invalid "shadows" beside the body, outside its field of
// view) the colour model's mask stands.
import { createFuseDepthPass, DEFAULT_FUSE_DEPTH_WEIGHT, type FuseDepthBinding } from '../gpu/passes/fuseDepth';
import { createRegisterDepthPass } from '../gpu/passes/registerDepth';
import { readTexture } from '../gpu/readback';
import { InputError } from '../errors';
import { segmentDepth, visualiseDepth } from './depthBand';
import { registerTables } from '../sources/kinect/calibration';
import type { KinectCalibration } from '../types/kinect';
import type { DepthInput, DepthStats, Readback } from '../types/frame';
import type { Rect } from '../types/geometry';

/**
 * How much the depth decides where it is measured: fused = mix(colour, depth subject,
 * DEPTH_WEIGHT · share of the mask texel with depth) (see shaders/fuse_depth.wgsl).
 */
const DEPTH_WEIGHT = DEFAULT_FUSE_DEPTH_WEIGHT;

/** The colour model's masks the depth is fused into (row-major float32 storage buffers). */
export interface CoarseMasks {
  /** Over the whole frame, fullWidth × fullHeight texels. */
  maskFull: GPUBuffer;
  fullWidth: number;
  fullHeight: number;
  /** Over the region of interest (or the standing-speaker squares' union), roiWidth × roiHeight. */
  maskRoi: GPUBuffer;
  roiWidth: number;
  roiHeight: number;
}

interface Registered {
  width: number;
  height: number;
  /** Registered depth, mm (0 = none), r32float at the colour size. */
  depth: GPUTexture;
  /** 1 where the registered sample belongs to the subject, r32float. */
  subject: GPUTexture;
}

/**
 * Owns the depth passes and their textures. Usage per frame: encode() before the mask
 * upsampling in the same command encoder; readback() afterwards for the `depth` view.
 */
export class DepthStage {
  private readonly register;
  private readonly fuseFull;
  private readonly fuseRoi;
  private calibration: KinectCalibration | null = null;
  private registered: Registered | null = null;
  private bound: { register: ReturnType<ReturnType<typeof createRegisterDepthPass>['bind']>; full: FuseDepthBinding; roi: FuseDepthBinding; masks: CoarseMasks } | null = null;
  /** Whether the last encoded frame had depth (the `depth` view is black otherwise). */
  private hadDepth = false;

  constructor(private readonly device: GPUDevice) {
    this.register = createRegisterDepthPass(device);
    this.fuseFull = createFuseDepthPass(device);
    this.fuseRoi = createFuseDepthPass(device);
  }

  /** Sets (or clears) the calibration; frames then need its colour size and depth size. */
  setCalibration(calibration: KinectCalibration | null): void {
    this.calibration = calibration;
    if (calibration) this.register.setCalibration(calibration, registerTables(calibration));
    this.bound = null;
  }

  /** True when a calibration is set. */
  get active(): boolean {
    return this.calibration !== null;
  }

  /**
   * Encodes the stage for one frame: band segmentation of `depth` (CPU), its registration to
   * the colour frame, and the fusion into both coarse masks.
   * @param frameWidth colour frame size, pixels: must be the calibration's colour size
   * @param roi the rectangle maskRoi covers (frame pixels), or a GPU buffer holding it as
   *   vec4f (x, y, width, height) — the GPU path's ROI, computed on the GPU
   * @returns the band found and the subject's share of the depth image
   * @throws InputError 'unsupported-input' when the frame or depth size does not match the
   *   calibration; Error when no calibration is set
   */
  encode(encoder: GPUCommandEncoder, depth: DepthInput, frameWidth: number, frameHeight: number, masks: CoarseMasks, roi: Rect | GPUBuffer): DepthStats {
    const cal = this.calibration;
    if (!cal) throw new Error('DepthStage.encode: no calibration set');
    if (frameWidth !== cal.color.width || frameHeight !== cal.color.height) {
      throw new InputError('unsupported-input', `The Kinect calibration is for ${cal.color.width}×${cal.color.height} colour, but the frame is ${frameWidth}×${frameHeight}.`);
    }
    if (depth.width !== cal.depth.width || depth.height !== cal.depth.height || depth.data.length !== depth.width * depth.height) {
      throw new InputError('unsupported-input', `The depth image is ${depth.width}×${depth.height} (${depth.data.length} samples), but the calibration's depth mode is ${cal.depth.width}×${cal.depth.height}.`);
    }
    const band = segmentDepth(depth.data, depth.width, depth.height);
    const r = this.texturesFor(cal.color.width, cal.color.height);
    if (!this.bound || this.bound.masks.maskFull !== masks.maskFull || this.bound.masks.maskRoi !== masks.maskRoi) {
      this.bound = {
        register: this.register.bind({ depth: r.depth, subject: r.subject }),
        full: this.fuseFull.bind({ mask: masks.maskFull, maskWidth: masks.fullWidth, maskHeight: masks.fullHeight, depth: r.depth, subject: r.subject }),
        roi: this.fuseRoi.bind({ mask: masks.maskRoi, maskWidth: masks.roiWidth, maskHeight: masks.roiHeight, depth: r.depth, subject: r.subject }),
        masks,
      };
    }
    const b = this.bound;
    const whole: Rect = { x: 0, y: 0, width: frameWidth, height: frameHeight };
    this.fuseFull.setParams({ weight: DEPTH_WEIGHT }, whole);
    if (roi instanceof GPUBuffer) {
      this.fuseRoi.setParams({ weight: DEPTH_WEIGHT }, whole);
      encoder.copyBufferToBuffer(roi, 0, this.fuseRoi.rectTarget, 0, 16);
    } else {
      this.fuseRoi.setParams({ weight: DEPTH_WEIGHT }, roi);
    }
    this.register.encode(encoder, b.register, depth.data, band?.mask ?? null);
    this.fuseFull.encode(encoder, b.full);
    this.fuseRoi.encode(encoder, b.roi);
    this.hadDepth = true;
    return { band: band ? { near: band.nearMm, far: band.farMm } : null, subject: band ? band.area / (depth.width * depth.height) : 0 };
  }

  /** Marks a frame that came without depth (its `depth` read-back is black). */
  skip(): void {
    this.hadDepth = false;
  }

  /**
   * The registered depth of the last frame visualised as RGBA (replay / debug read-back);
   * black when that frame had no depth or no calibration is set.
   */
  async readback(width: number, height: number): Promise<Readback> {
    const r = this.registered;
    if (!this.hadDepth || !r || r.width !== width || r.height !== height) return { width, height, channels: 4, data: blackRgba(width, height) };
    const mm = (await readTexture(this.device, r.depth)) as Float32Array;
    return { width, height, channels: 4, data: visualiseDepth(mm, width, height) };
  }

  private texturesFor(width: number, height: number): Registered {
    if (this.registered && this.registered.width === width && this.registered.height === height) return this.registered;
    this.destroyTextures();
    const make = (label: string): GPUTexture =>
      this.device.createTexture({
        label,
        size: [width, height],
        format: 'r32float',
        usage: GPUTextureUsage.STORAGE_BINDING | GPUTextureUsage.TEXTURE_BINDING | GPUTextureUsage.COPY_SRC,
      });
    this.registered = { width, height, depth: make('registered depth'), subject: make('registered subject') };
    this.bound = null;
    return this.registered;
  }

  private destroyTextures(): void {
    this.registered?.depth.destroy();
    this.registered?.subject.destroy();
    this.registered = null;
  }

  /** Destroys the passes' and the stage's GPU resources. */
  dispose(): void {
    this.destroyTextures();
    this.register.dispose();
    this.fuseFull.dispose();
    this.fuseRoi.dispose();
  }
}

function blackRgba(width: number, height: number): Uint8Array {
  const data = new Uint8Array(width * height * 4);
  for (let i = 3; i < data.length; i += 4) data[i] = 255;
  return data;
}
