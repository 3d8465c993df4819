// Stage `memory`: the background memory, learned during the call and used as a plate where known.
import { MEMORY_MEASURE_FRAMES } from '../../gpu/params/memory';
import { createBackgroundMarginPass } from '../../gpu/passes/backgroundMargin';
import { createBackgroundMemoryPass, MEMORY_COUNTERS_BYTES } from '../../gpu/passes/backgroundMemory';
import { readTexture } from '../../gpu/readback';
import type { Options } from '../../options';
import type { MemoryStats } from '../../types/frame';
import { Memo } from '../memo';
import { refinesPrior, type Binding, type FrameState, type Stage } from '../stage';


/**
 * Where more than this share of the observed pixels the memory knew differ from it (and they
 * are at least MIN_KNOWN_SHARE of the frame), the camera moved, the source changed or the light
 * changed a lot: the memory starts again.
 */
const RESET_MISMATCH = 0.5;
const MIN_KNOWN_SHARE = 0.01;
/** A known share below this makes no plate worth using yet: frames go on without one. */
const MIN_IN_USE = 0.002;

/** The margin around the person that is never observed, in pixels, for a frame `height` pixels high (2 at 360, 4 at 720). */
export function memoryMargin(height: number): number {
  return Math.max(2, Math.round(height / 180));
}

/** What the stage decides about a measurement of the counters. */
export interface MemoryVerdict {
  stats: Omit<MemoryStats, 'inUse' | 'resets'>;
  /** The scene no longer matches what the memory knows: start again. */
  reset: boolean;
}

/**
 * Reads the memory's counters ([observed, observed and known, observed known and differing,
 * known], shaders/background_memory.wgsl) of a frame of `pixels` pixels: the shares of the
 * background and of the frame it knows, and whether it must start again.
 */
export function memoryVerdict(counters: ArrayLike<number>, pixels: number): MemoryVerdict {
  const [observed, observedKnown, differing, known] = [counters[0]!, counters[1]!, counters[2]!, counters[3]!];
  const reset = observedKnown >= MIN_KNOWN_SHARE * pixels && differing > RESET_MISMATCH * observedKnown;
  return { stats: { known: observed > 0 ? observedKnown / observed : 0, coverage: pixels > 0 ? known / pixels : 0 }, reset };
}

/** The GPU resources of one memory, at one frame size. */
interface MemoryTextures {
  width: number;
  height: number;
  /** Ping-pong pairs of the state: colour (μ.rgb, v) and counts (n, age), rgba16float. */
  colour: [GPUTexture, GPUTexture];
  count: [GPUTexture, GPUTexture];
  /** The memory as a plate (rgb μ, a = known) and the `mem` view, rgba8unorm. */
  plate: GPUTexture;
  view: GPUTexture;
  /** This frame's alpha reduced along rows for the margin test (background-margin pass), r32float. */
  rowMax: GPUTexture;
  counters: GPUBuffer;
}

/**
 * Background memory (options.backgroundMemory): after the temporal stage, each frame's
 * confidently-background pixels update a per-pixel running estimate of the background
 * (shaders/background_memory.wgsl), kept on the GPU only. Without a captured plate the next
 * frames take it as their plate (`plateSource` 'memory'): a texel the memory does not know has
 * a = 0 there, and the plate stages treat it as unknown (plate statistics and coarse blocks skip
 * it, the refiner takes the known-background matting only on tiles it knows). With a captured
 * plate the memory starts from it and the frames take the memory in its place (`plateSource`
 * stays 'captured'): the plate kept fresh where the scene drifted (lighting), filled in where it
 * did not know the background, and back to the captured plate whenever the memory starts again
 * (a camera move: the plate fit then says the plate no longer fits). Every MEMORY_MEASURE_FRAMES frames its counters
 * are read back (the shares known, see {@link memoryStats}); when most of what it knew no longer
 * matches, it starts again. A new frame size or a reset of the pipeline's history also starts it again.
 */
export class BackgroundMemoryStage implements Stage {
  readonly name = 'memory';
  readonly timed = true;
  readonly reads = ['frame', 'alphaOut', 'stats'] as const;
  readonly writes = [] as const;
  private readonly pass;
  private readonly marginPass;
  /** The bind groups reading pair texture 0 and 1. */
  private readonly bound = [new Memo<Binding<typeof createBackgroundMemoryPass>>(), new Memo<Binding<typeof createBackgroundMemoryPass>>()] as const;
  private readonly marginBound = new Memo<Binding<typeof createBackgroundMarginPass>>();
  private textures: MemoryTextures | null = null;
  /** Which texture of each pair holds the current state. */
  private current: 0 | 1 = 0;
  private resetPending = true;
  private frames = 0;
  private readback: GPUBuffer | null = null;
  private measuring = false;
  private stats: MemoryStats | null = null;
  private resets = 0;
  private changes = 0;
  /** The captured plate the memory starts from, or null. */
  private seed: GPUTexture | null = null;
  /** Bound as the seed when there is none (never read). */
  private blank: GPUTexture | null = null;

  constructor(private readonly device: GPUDevice) {
    this.pass = createBackgroundMemoryPass(device);
    this.marginPass = createBackgroundMarginPass(device);
  }

  /**
   * The plate frames of this size take from the memory, or null: without the option; on the
   * frame the memory starts again from a captured plate (it has not written the plate yet: the
   * captured plate serves); without a captured plate, while the memory knows too little to be
   * worth it (frames then run as without a plate, and the memory goes on learning).
   * @param captured the user's plate at this size, rgba8unorm, or null: the memory starts from
   *   it (again whenever it changes)
   * @returns the plate, and `learning`: whether the memory learns from this frame (the option is on)
   */
  plateFor(width: number, height: number, options: Readonly<Options>, captured: GPUTexture | null): { plate: GPUTexture | null; learning: boolean } {
    if (!options.backgroundMemory) {
      if (this.textures) this.release();
      this.stats = null;
      this.seed = null;
      return { plate: null, learning: false };
    }
    const t = this.texturesFor(width, height);
    if (captured !== this.seed) {
      this.seed = captured;
      this.reset();
    }
    const inUse = this.inUse(this.stats);
    if (this.stats) this.stats.inUse = inUse;
    return { plate: inUse ? t.plate : null, learning: true };
  }

  /** Whether frames take the memory as their plate, given its last measurement. */
  private inUse(stats: Omit<MemoryStats, 'inUse' | 'resets'> | null): boolean {
    return !this.resetPending && (this.seed !== null || (stats !== null && stats.coverage >= MIN_IN_USE));
  }

  /**
   * How many times a measurement found that the scene no longer matches what the memory knew
   * (a camera move, a cut, a new source behind the same track, a big lighting change), each a
   * start again of the memory; counted from the stage's creation. Other resets (a new size, a
   * plate, the pipeline's history) do not count.
   */
  get sceneChanges(): number {
    return this.changes;
  }

  /** The last measurement, or null (memory off, a captured plate, or not measured yet). */
  get memoryStats(): MemoryStats | null {
    return this.stats ? { ...this.stats } : null;
  }

  /**
   * What the memory learned, as a plate image: RGBA8 rows of width × height, rgb the
   * background colour and a = 255 where the memory knows the pixel, 0 where not. Null without
   * a memory or while it knows nothing (after a reset, before its first measurement).
   */
  async readPlate(): Promise<{ width: number; height: number; data: Uint8ClampedArray } | null> {
    const t = this.textures;
    if (!t || this.resetPending || !this.stats || this.stats.coverage <= 0) return null;
    const bytes = await readTexture(this.device, t.plate);
    return { width: t.width, height: t.height, data: new Uint8ClampedArray(bytes.buffer, bytes.byteOffset, t.width * t.height * 4) };
  }

  /** The `mem` view of the last update, or null without a memory. */
  get view(): GPUTexture | null {
    return this.textures?.view ?? null;
  }

  enabled(frame: FrameState): boolean {
    return frame.memoryLearns && refinesPrior(frame.matting);
  }

  run(frame: FrameState): void {
    const t = this.texturesFor(frame.width, frame.height);
    const from = this.current;
    const to = from === 0 ? 1 : 0;
    // The counters are read back every MEMORY_MEASURE_FRAMES frames (one read-back at a time);
    // other frames do not count, and the view is written only for frames that show it.
    const measure = this.frames++ % MEMORY_MEASURE_FRAMES === 0 && !this.measuring;
    const margin = memoryMargin(frame.height);
    this.marginPass.setParams(margin);
    this.pass.setParams(margin, this.resetPending && this.seed ? 'seed' : this.resetPending, { counters: measure, view: frame.memoryViewed });
    if (this.resetPending) this.resets++;
    this.resetPending = false;
    const b = this.bound[from].get([t, frame.textures, this.seed], () =>
      this.pass.bind({
        frame: frame.textures.frame,
        rowMax: t.rowMax,
        colourIn: t.colour[from],
        countIn: t.count[from],
        stats: frame.textures.stats,
        colourOut: t.colour[to],
        countOut: t.count[to],
        memPlate: t.plate,
        memView: t.view,
        counters: t.counters,
        seed: this.seed ?? this.blankTexture(),
      }),
    );
    const m = this.marginBound.get([t, frame.textures], () => this.marginPass.bind({ alpha: frame.textures.alphaOut, rowMax: t.rowMax }));
    const encoder = frame.encoder();
    this.marginPass.encode(encoder, m);
    if (measure) encoder.clearBuffer(t.counters);
    this.pass.encode(encoder, b);
    this.current = to;
    if (!measure) return;
    this.readback ??= this.device.createBuffer({ label: 'memory counters read-back', size: MEMORY_COUNTERS_BYTES, usage: GPUBufferUsage.COPY_DST | GPUBufferUsage.MAP_READ });
    encoder.copyBufferToBuffer(t.counters, 0, this.readback, 0, MEMORY_COUNTERS_BYTES);
    const readback = this.readback;
    const pixels = frame.width * frame.height;
    frame.afterSubmit(() => this.measure(readback, t, pixels));
  }

  /** Starts the memory again from the next frame. */
  reset(): void {
    this.resetPending = true;
    this.stats = null;
  }

  dispose(): void {
    this.release();
    if (!this.measuring) this.readback?.destroy();
    this.readback = null;
    this.blank?.destroy();
    this.blank = null;
    this.seed = null;
    this.pass.dispose();
    this.marginPass.dispose();
  }

  /** Maps the counters copied this frame, without waiting for them; resets the memory when the scene left it. */
  private measure(buffer: GPUBuffer, textures: MemoryTextures, pixels: number): void {
    this.measuring = true;
    buffer
      .mapAsync(GPUMapMode.READ)
      .then(() => {
        const verdict = memoryVerdict(new Uint32Array(buffer.getMappedRange().slice(0)), pixels);
        buffer.unmap();
        // A measurement of a memory since replaced or reset says nothing about the new one.
        if (textures !== this.textures || this.resetPending) return;
        if (verdict.reset) {
          this.changes++;
          this.reset();
          return;
        }
        this.stats = { ...verdict.stats, inUse: this.inUse(verdict.stats), resets: this.resets };
      })
      .catch((err: unknown) => {
        // A lost device or a dispose() while mapping: the next measurement will try again.
        console.warn(`bg-replacer: background memory not measured: ${String(err)}`);
      })
      .finally(() => {
        this.measuring = false;
        if (this.readback !== buffer) buffer.destroy();
      });
  }

  /** A 1×1 rgba8unorm texture bound as the seed when there is none. */
  private blankTexture(): GPUTexture {
    this.blank ??= this.device.createTexture({ label: 'memory no seed', size: [1, 1], format: 'rgba8unorm', usage: GPUTextureUsage.TEXTURE_BINDING });
    return this.blank;
  }

  /** The memory's textures for this size, made (and the memory started again) when the size changed. */
  private texturesFor(width: number, height: number): MemoryTextures {
    if (this.textures && this.textures.width === width && this.textures.height === height) return this.textures;
    this.release();
    const U = GPUTextureUsage;
    const make = (label: string, format: GPUTextureFormat): GPUTexture =>
      this.device.createTexture({ label, size: [width, height], format, usage: U.TEXTURE_BINDING | U.STORAGE_BINDING | U.COPY_SRC });
    this.textures = {
      width,
      height,
      colour: [make('memory colour A', 'rgba16float'), make('memory colour B', 'rgba16float')],
      count: [make('memory count A', 'rgba16float'), make('memory count B', 'rgba16float')],
      plate: make('memory plate', 'rgba8unorm'),
      view: make('memory view', 'rgba8unorm'),
      rowMax: make('memory margin rows', 'r32float'),
      counters: this.device.createBuffer({ label: 'memory counters', size: MEMORY_COUNTERS_BYTES, usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC | GPUBufferUsage.COPY_DST }),
    };
    this.current = 0;
    this.reset();
    return this.textures;
  }

  private release(): void {
    for (const memo of this.bound) memo.clear();
    this.marginBound.clear();
    const t = this.textures;
    if (!t) return;
    for (const texture of [...t.colour, ...t.count, t.plate, t.view, t.rowMax]) texture.destroy();
    t.counters.destroy();
    this.textures = null;
  }
}
