// The frame pipeline's stage table, checked without a GPU: every stage reads only what an
// earlier stage writes (or what the frame brings, or the previous frame left), and options,
// the plate, the model and the input switch the expected stages on. The stages are built on a
// stand-in GPUDevice that records nothing: only their declarations and enabled() are used.
import { beforeAll, describe, expect, it } from 'vitest';
import { resolveOptions, type Options } from '../../src/options';
import type { FrameStages } from '../../src/pipeline/stages';
import type { FrameResource, FrameState, MattingPath } from '../../src/pipeline/stage';
import type { BaseNetwork } from '../../src/types/network';

/** A GPUDevice whose every method returns an inert object (no GPU in Node). */
function standInDevice(): GPUDevice {
  const inert = (): unknown =>
    new Proxy(function () {}, {
      get: (_target, key) => (key === 'then' ? undefined : key === 'size' ? 64 : inert()),
      apply: () => inert(),
    });
  const device = {
    limits: { maxTextureDimension2D: 8192 },
    queue: { writeBuffer() {}, submit() {}, writeTexture() {}, copyExternalImageToTexture() {} },
    createBuffer: (d: GPUBufferDescriptor) => ({ size: d.size, usage: d.usage, destroy() {}, getMappedRange: () => new ArrayBuffer(d.size), unmap() {} }),
  };
  return new Proxy(device, { get: (target, key) => (key in target ? target[key as keyof typeof target] : inert()) }) as unknown as GPUDevice;
}

/** What the frame brings: the camera frame, the user's images and the depth. */
const INPUTS: readonly FrameResource[] = ['input', 'plate', 'background', 'depth'];
/** What a stage reads from the previous frame (written later in the table, for the next frame). */
const HISTORY: readonly FrameResource[] = ['framePrev', 'alphaPrev'];

let stages: FrameStages;

beforeAll(async () => {
  // The WebGPU flag namespaces the passes read when they are created.
  Object.assign(globalThis, {
    GPUShaderStage: { VERTEX: 1, FRAGMENT: 2, COMPUTE: 4 },
    GPUBufferUsage: { MAP_READ: 1, MAP_WRITE: 2, COPY_SRC: 4, COPY_DST: 8, INDEX: 16, VERTEX: 32, UNIFORM: 64, STORAGE: 128, INDIRECT: 256, QUERY_RESOLVE: 512 },
    GPUTextureUsage: { COPY_SRC: 1, COPY_DST: 2, TEXTURE_BINDING: 4, STORAGE_BINDING: 8, RENDER_ATTACHMENT: 16 },
    GPUMapMode: { READ: 1, WRITE: 2 },
  });
  const { createFrameStages } = await import('../../src/pipeline/stages');
  stages = createFrameStages(standInDevice());
  // A calibration switches the depth fusion on for frames that come with depth.
  const camera = (width: number, height: number) => ({ width, height, cx: width / 2, cy: height / 2, fx: width, fy: width, k: [0, 0, 0, 0, 0, 0] as [number, number, number, number, number, number], p1: 0, p2: 0, codx: 0, cody: 0, metricRadius: 1.7 });
  stages.depth.setCalibration({ depth: camera(4, 4), color: camera(8, 8), depthToColor: { rotation: [1, 0, 0, 0, 1, 0, 0, 0, 1], translationMm: [0, 0, 0] } });
});

/** A frame as enabled() sees it; the region stands for what the segmentation stages make. */
function frameOf(o: { matting: MattingPath; options?: Partial<Options>; depth?: boolean; network?: 'cpu' | 'gpu'; plate?: boolean | 'memory'; view?: Options['view'] }): FrameState {
  const options = resolveOptions(o.options ?? {});
  const network = { kind: o.network ?? 'cpu', width: 256, height: 144 } as BaseNetwork;
  return {
    matting: o.matting,
    options,
    network,
    depth: o.depth ? { width: 4, height: 4, data: new Uint16Array(16) } : null,
    plate: o.plate ? ({} as GPUTexture) : null,
    plateSource: o.plate === 'memory' ? 'memory' : o.plate ? 'captured' : null,
    // As the pipeline decides it: the memory learns on the classic path (with a captured plate, from it).
    memoryLearns: options.backgroundMemory && o.matting === 'classic',
    view: o.view ?? 'com',
    fullMask: o.matting === 'classic' && network.kind === 'cpu' ? { width: 256, height: 144, pha: new Float32Array(256 * 144) } : null,
    region: null,
    standing: null,
  } as unknown as FrameState;
}

/** The names of the stages a frame runs, in order; the segmentation stages set the region as they would. */
function run(frame: FrameState): string[] {
  const names: string[] = [];
  for (const stage of stages.table) {
    if (!stage.enabled(frame)) continue;
    names.push(stage.name);
    if (stage.name === 'roi') frame.region = { kind: 'roi' } as FrameState['region'];
  }
  return names;
}

describe('the stage table', () => {
  it('has each stage read only what the frame brings, the previous frame left, or an earlier stage wrote', () => {
    const written = new Set<FrameResource>([...INPUTS, ...HISTORY]);
    for (const stage of stages.table) {
      for (const r of stage.reads) expect(written.has(r), `${stage.name} reads ${r} before any stage writes it`).toBe(true);
      for (const w of stage.writes) written.add(w);
    }
  });

  it('writes every shared texture it reads, and names each stage once per path', () => {
    const written = new Set(stages.table.flatMap((s) => s.writes));
    for (const r of HISTORY) expect(written.has(r), `${r} is history: some stage must keep it`).toBe(true);
    expect(written.has('output')).toBe(true);
  });

  it('runs the classic path: segmentation prior, classical matting, and the blur in blur mode', () => {
    expect(run(frameOf({ matting: 'classic', options: { mode: 'blur', backgroundMemory: false } }))).toEqual([
      'import', 'clear-fgr', 'segment', 'roi', 'upsample', 'plate', 'coarse', 'refine', 'temporal', 'blur', 'composite',
    ]);
    expect(run(frameOf({ matting: 'classic', options: { mode: 'image', lightWrap: 0, backgroundMemory: false }, plate: true }))).toEqual([
      'import', 'clear-fgr', 'segment', 'roi', 'upsample', 'plate', 'coarse', 'refine', 'temporal', 'composite',
    ]);
  });

  it('learns the background memory, and overrules the prior once it is the plate without a captured one', () => {
    // Learning, before the memory knows enough to be the plate.
    expect(run(frameOf({ matting: 'classic', options: { mode: 'blur' } }))).toEqual([
      'import', 'clear-fgr', 'segment', 'roi', 'upsample', 'plate', 'coarse', 'refine', 'temporal', 'memory', 'blur', 'composite',
    ]);
    // The memory as the plate.
    expect(run(frameOf({ matting: 'classic', options: { mode: 'blur' }, plate: 'memory' }))).toEqual([
      'import', 'clear-fgr', 'segment', 'roi', 'upsample', 'plate', 'overrule', 'coarse', 'refine', 'temporal', 'memory', 'blur', 'composite',
    ]);
    // With a captured plate the memory keeps it fresh; the plate, not the memory, decides the prior: no overrule.
    expect(run(frameOf({ matting: 'classic', options: { mode: 'blur' }, plate: true }))).toEqual([
      'import', 'clear-fgr', 'segment', 'roi', 'upsample', 'plate', 'coarse', 'refine', 'temporal', 'memory', 'blur', 'composite',
    ]);
    // Without the option, none of it.
    expect(run(frameOf({ matting: 'classic', options: { mode: 'blur', backgroundMemory: false }, plate: true }))).not.toContain('memory');
    // BackgroundMattingV2's path never runs the memory.
    expect(run(frameOf({ matting: 'bgmv2', options: { mode: 'blur' }, plate: true }))).not.toContain('memory');
    // The `mem` view shows the memory (after the composite); other views do not.
    expect(run(frameOf({ matting: 'classic', view: 'mem' })).at(-1)).toBe('memory-view');
    expect(run(frameOf({ matting: 'classic', view: 'pha' }))).not.toContain('memory-view');
  });

  it('switches the standing split on with options.standing on a CPU network, and the depth fusion with depth', () => {
    expect(run(frameOf({ matting: 'classic', options: { standing: true, backgroundMemory: false }, depth: true }))).toEqual([
      'import', 'clear-fgr', 'segment', 'standing', 'roi', 'depth', 'upsample', 'plate', 'coarse', 'refine', 'temporal', 'blur', 'composite',
    ]);
    expect(run(frameOf({ matting: 'classic', options: { standing: true }, network: 'gpu' }))).not.toContain('standing');
  });

  it('runs the BackgroundMattingV2 path instead of the prior and the classical refiner', () => {
    expect(run(frameOf({ matting: 'bgmv2', options: { mode: 'color', lightWrap: 0 }, plate: true }))).toEqual([
      'import', 'clear-fgr', 'bgmv2-base', 'upsample', 'plate', 'refine', 'temporal', 'composite',
    ]);
  });

  it('wraps the new background\'s light over the composite in image and colour modes, with options.lightWrap', () => {
    const last = (o: Partial<Options>, view: Options['view'] = 'com'): string => run(frameOf({ matting: 'classic', options: o, view })).at(-1)!;
    expect(last({ mode: 'image', lightWrap: 0.3 })).toBe('light-wrap');
    expect(last({ mode: 'color', lightWrap: 0.3 })).toBe('light-wrap');
    expect(last({ mode: 'color', lightWrap: 0 })).toBe('composite');
    expect(last({ mode: 'blur', lightWrap: 0.3 })).toBe('composite');
    expect(last({ mode: 'image', lightWrap: 0.3 }, 'pha')).toBe('composite');
  });

  it('runs no matting stage when no alpha is needed', () => {
    expect(run(frameOf({ matting: 'none', options: { mode: 'off' } }))).toEqual(['import', 'clear-fgr', 'composite']);
  });

  it('renders debug views with the output stages only', () => {
    const outputs = stages.table.filter((s) => (s as { output?: boolean }).output === true).map((s) => s.name);
    expect(outputs).toEqual(['composite', 'light-wrap', 'memory-view']);
  });
});
