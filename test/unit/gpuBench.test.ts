// The Node GPU bench's parts that need no GPU: its arguments, its arithmetic and tables, the
// stored masks, the SharedArrayBuffer copy in front of dawn.node's writeBuffer, the random
// BGMv2 refiner weights, and the ELF check of the bundle's busybox. (The bench itself runs on
// SwiftShader in test/dawn/gpuBench.test.ts.)
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseGpuBenchArgs } from '../../scripts/lib/gpuBench/args';
import { randomRefinerWeights } from '../../scripts/lib/gpuBench/bgmv2StandIn';
import { shareableWriteBuffer } from '../../scripts/lib/gpuBench/dawn';
import { maskFileName, readMasks, writeMasks, type MaskRecording } from '../../scripts/lib/gpuBench/masks';
import { checkTargets, formatSize, mergeStageOrder, sizeReport, summariseRow, type RowSummary } from '../../scripts/lib/gpuBench/report';
import type { RowRun } from '../../scripts/lib/gpuBench/rows';
import { ROW_IDS } from '../../scripts/lib/gpuBench/rowSpecs';
import { isStaticElf } from '../../scripts/lib/gpuBundle/elf';
import { PACKED } from '../../src/types/refiner';

const tmp = mkdtempSync(join(tmpdir(), 'gpu-bench-unit-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const FILES = ['--dawn', 'd', '--model', 'm', '--ort', 'o', '--still', 's', '--background', 'b', '--masks', 'k'];

describe('the GPU bench arguments', () => {
  it('has the issue’s sizes and modest frame counts by default', () => {
    const a = parseGpuBenchArgs(FILES)!;
    expect(a.sizes).toEqual([
      { width: 1280, height: 720 },
      { width: 1920, height: 1080 },
      { width: 3840, height: 2160 },
    ]);
    expect([a.frames, a.warmup, a.maxSeconds, a.baseNetwork, a.recordOnly, a.json]).toEqual([10, 2, 120, true, false, null]);
    expect([a.dawn, a.model, a.ort, a.still, a.background, a.masks]).toEqual(['d', 'm', 'o', 's', 'b', 'k']);
    expect(a.rows).toEqual([...ROW_IDS]);
  });

  it('times the rows --rows names, in table order, and refuses an unknown one', () => {
    expect(parseGpuBenchArgs([...FILES, '--rows', 'memory,blur'])!.rows).toEqual(['blur', 'memory']);
    expect(() => parseGpuBenchArgs([...FILES, '--rows', 'blur,mem'])).toThrow(/--rows takes row ids from blur, memory/);
  });

  it('lets a later flag override an earlier one (run.sh passes its defaults first)', () => {
    const a = parseGpuBenchArgs([...FILES, '--sizes', '1280x720', '--frames', '300', '--sizes', '320x180', '--frames', '1', '--no-base-network'])!;
    expect(a.sizes).toEqual([{ width: 320, height: 180 }]);
    expect(a.frames).toBe(1);
    expect(a.baseNetwork).toBe(false);
  });

  it('rejects bad values with the flag named, and gives null for --help', () => {
    expect(parseGpuBenchArgs(['--help'])).toBeNull();
    expect(() => parseGpuBenchArgs([...FILES, '--sizes', '322x180'])).toThrow(/multiples of 4/);
    expect(() => parseGpuBenchArgs([...FILES, '--sizes', '1280x'])).toThrow(/--sizes/);
    expect(() => parseGpuBenchArgs([...FILES, '--frames', '0'])).toThrow(/--frames/);
    expect(() => parseGpuBenchArgs([...FILES, '--warmup', '-1'])).toThrow(/--warmup/);
    expect(() => parseGpuBenchArgs([...FILES, '--max-seconds', '0'])).toThrow(/--max-seconds/);
    expect(() => parseGpuBenchArgs(FILES.slice(2))).toThrow(/--dawn is required/);
    expect(() => parseGpuBenchArgs([...FILES, '--bogus'])).toThrow();
  });
});

/** A run of `id` with the given per-frame wall times and stage times. */
function runOf(id: RowRun['id'], wallMs: number[], stages: Record<string, number>[], tiles: number | null = 10, memory: RowRun['memory'] = null): RowRun {
  return { id, frames: wallMs.length, warmup: 1, wallMs, stages, matting: id === 'bgmv2' ? 'bgmv2' : 'classic', tiles, tileCount: 100, memory };
}

describe('the GPU bench report', () => {
  it('summarises a row: fps from the summed frame time, medians of the stages and of the GPU totals', () => {
    const s = summariseRow({ run: runOf('plate', [10, 20, 30], [{ import: 1, refine: 4 }, { import: 3, refine: 2 }, { import: 2, refine: 9 }]) });
    expect(s.fps).toBeCloseTo(3000 / 60, 12);
    expect(s.frameMs).toEqual({ median: 20, p95: 30, mean: 20 });
    expect(s.stages).toEqual({ import: 2, refine: 4 });
    expect(s.gpuMs).toBe(5); // totals 5, 5, 11
    expect(s.tileShare).toBe(0.1);
    expect(s.label).toBe('plate');
    expect(s.error).toBeNull();
  });

  it('keeps a failed row with its reason and no numbers', () => {
    const s = summariseRow({ id: 'base-network', error: 'no provider' });
    expect([s.fps, s.frameMs, s.gpuMs, s.stages, s.frames]).toEqual([null, null, null, null, 0]);
    expect(s.error).toBe('no provider');
  });

  it('derives sparse / full refine and the base network’s GPU time, and checks the targets where measured', () => {
    const rows: RowSummary[] = [
      summariseRow({ run: runOf('blur', [4], [{ segment: 1, roi: 2, refine: 1 }]) }),
      summariseRow({ run: runOf('plate', [5], [{ refine: 2 }]) }),
      summariseRow({ run: runOf('plate-full', [25], [{ refine: 20 }], 100) }),
      summariseRow({ run: runOf('base-network', [9], [{ segment: 3, roi: 4, refine: 1 }]) }),
    ];
    const hd = sizeReport({ width: 1280, height: 720 }, rows);
    expect(hd.sparseFullRatio).toBeCloseTo(0.1, 12);
    expect(hd.baseNetworkMs).toBe(7);
    const fhd = sizeReport({ width: 1920, height: 1080 }, [rows[1]!, summariseRow({ id: 'plate-full', error: 'lost' })]);
    expect(fhd.sparseFullRatio).toBeNull();
    expect(fhd.baseNetworkMs).toBeNull();
    const targets = checkTargets([hd, fhd]);
    expect(targets).toContainEqual({ what: 'blur fps', size: '1280x720', value: 250, relation: '≥', limit: 240, met: true });
    expect(targets).toContainEqual({ what: 'plate matting fps', size: '1920x1080', value: 200, relation: '≥', limit: 120, met: true });
    expect(targets).toContainEqual({ what: 'sparse / full refine', size: '1920x1080', value: null, relation: '≤', limit: 0.2, met: null });
    expect(targets.some((t) => t.size === '3840x2160')).toBe(false);
  });

  it('orders the stages of all rows as each row ran them, and prints a column per row', () => {
    expect(mergeStageOrder([['import', 'segment', 'refine', 'composite'], ['import', 'bgmv2-base', 'refine', 'composite', 'light-wrap']])).toEqual([
      'import',
      'bgmv2-base',
      'segment',
      'refine',
      'composite',
      'light-wrap',
    ]);
    const text = formatSize(
      sizeReport({ width: 320, height: 180 }, [summariseRow({ run: runOf('blur', [4], [{ import: 1, blur: 2 }]) }), summariseRow({ id: 'bgmv2', error: 'no tiles' })]),
      'test adapter',
    );
    const lines = text.split('\n');
    expect(lines[0]).toBe('320×180 on test adapter');
    expect(lines[1]).toMatch(/^GPU ms per stage\s+blur\s+bgmv2$/);
    expect(lines.find((l) => l.startsWith('blur '))).toMatch(/^blur\s+2\.00\s+—$/);
    expect(text).toContain('bgmv2: not measured — no tiles');
    expect(text).toContain('sparse / full refine: —');
    expect(text).not.toContain('memory:');
  });

  it("says whether the memory row's background memory was in use as the plate", () => {
    const memory = (m: RowRun['memory']) =>
      formatSize(sizeReport({ width: 320, height: 180 }, [summariseRow({ run: runOf('memory', [4], [{ memory: 1 }], 10, m) })]), 'test adapter');
    expect(memory({ known: 0.874, inUse: true })).toContain('memory: knew 87.4 % of the background at the last read-back; in use as the plate');
    expect(memory({ known: 0.2, inUse: false })).toContain('memory: knew 20.0 % of the background at the last read-back; not in use yet (learning)');
    expect(memory(null)).toContain('memory: no read-back of the background memory yet');
  });
});

describe('the recorded masks', () => {
  const recording: MaskRecording = {
    key: { model: 'a'.repeat(64), frame: 'b'.repeat(64), width: 320, height: 180 },
    networkWidth: 4,
    networkHeight: 2,
    masks: [Float32Array.from([0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7]), Float32Array.from([1, 0.9, 0.8, 0.7, 0.6, 0.5, 0.4, 0.3])],
  };

  it('are written and read back by model, frame and size', () => {
    const dir = join(tmp, 'masks');
    expect(readMasks(dir, recording.key)).toBeNull();
    writeMasks(dir, recording);
    expect(maskFileName(recording.key)).toBe('mask-aaaaaaaaaaaa-bbbbbbbbbbbb-320x180');
    const back = readMasks(dir, recording.key)!;
    expect(back.masks).toEqual(recording.masks);
    expect([back.networkWidth, back.networkHeight]).toEqual([4, 2]);
    expect(readMasks(dir, { ...recording.key, width: 640 })).toBeNull();
  });

  it('refuses a file of another recording or a truncated one', () => {
    const dir = join(tmp, 'masks-bad');
    writeMasks(dir, recording);
    const base = join(dir, maskFileName(recording.key));
    const head = JSON.parse(readFileSync(`${base}.json`, 'utf8')) as { key: { frame: string } };
    writeFileSync(`${base}.json`, JSON.stringify({ ...head, key: { ...head.key, frame: 'c'.repeat(64) } }));
    expect(() => readMasks(dir, recording.key)).toThrow(/not a recording of this model, frame and size/);
    writeMasks(dir, recording);
    writeFileSync(`${base}.f32`, new Uint8Array(12));
    expect(() => readMasks(dir, recording.key)).toThrow(/holds 12 bytes/);
  });
});

describe('writeBuffer behind dawn.node', () => {
  /** A queue that records what reaches the real writeBuffer. */
  class FakeQueue {
    calls: { data: unknown; dataOffset?: number; size?: number }[] = [];
    writeBuffer(_buffer: GPUBuffer, _offset: number, data: unknown, dataOffset?: number, size?: number): void {
      this.calls.push({ data, dataOffset, size });
    }
  }
  shareableWriteBuffer(FakeQueue.prototype as unknown as GPUQueue);
  shareableWriteBuffer(FakeQueue.prototype as unknown as GPUQueue); // idempotent

  it('copies views of a SharedArrayBuffer into a plain buffer, offset and size in elements', () => {
    const queue = new FakeQueue();
    const shared = new Float32Array(new SharedArrayBuffer(32));
    shared.set([1, 2, 3, 4, 5, 6, 7, 8]);
    (queue as unknown as GPUQueue).writeBuffer({} as GPUBuffer, 0, shared as unknown as BufferSource, 2, 3);
    expect(queue.calls).toHaveLength(1);
    const data = queue.calls[0]!.data as Uint8Array;
    expect(data.buffer).toBeInstanceOf(ArrayBuffer);
    expect(Array.from(new Float32Array(data.buffer, data.byteOffset, 3))).toEqual([3, 4, 5]);
    expect(queue.calls[0]!.dataOffset).toBeUndefined();
  });

  it('passes plain data through unchanged', () => {
    const queue = new FakeQueue();
    const plain = new Uint16Array([1, 2, 3, 4]);
    (queue as unknown as GPUQueue).writeBuffer({} as GPUBuffer, 8, plain, 1, 2);
    expect(queue.calls).toEqual([{ data: plain, dataOffset: 1, size: 2 }]);
  });
});

describe('the BGMv2 refiner for the bench', () => {
  it('has random weights of the real shapes, the same for the same seed', () => {
    const a = randomRefinerWeights(7);
    expect(a.packed.length).toBe(PACKED.length);
    expect(a.source).toBe('random');
    expect(a.layers.conv1.weight.length).toBe(24 * 42 * 9);
    expect(Array.from(a.layers.conv4.bias)).toEqual([0.5, 0, 0, 0]);
    expect(randomRefinerWeights(7).packed).toEqual(a.packed);
    expect(randomRefinerWeights(8).packed).not.toEqual(a.packed);
    expect(a.packed.every((v) => Number.isFinite(v) && Math.abs(v) <= 1)).toBe(true);
  });
});

describe('the bundle’s static busybox check', () => {
  it('tells a dynamically linked binary from a static one, and refuses what is not ELF', () => {
    expect(isStaticElf(process.execPath)).toBe(false);
    // A minimal ELF64 header with no program headers: nothing to load, no interpreter.
    const header = new Uint8Array(64);
    header.set([0x7f, 0x45, 0x4c, 0x46, 2, 1, 1]);
    const staticElf = join(tmp, 'static.elf');
    writeFileSync(staticElf, header);
    expect(isStaticElf(staticElf)).toBe(true);
    const text = join(tmp, 'text');
    writeFileSync(text, 'not an executable, just text long enough to have a header '.repeat(2));
    expect(() => isStaticElf(text)).toThrow(/not an ELF file/);
  });
});
