// Read-backs of a processed frame for replay, debugging and tests (never on the live path).
import { TILE_SIZE } from '../gpu/passes/selectTiles';
import { readTexture } from '../gpu/readback';
import type { OutputType } from '../options';
import type { Readback, RefineStats } from '../types/frame';
import type { FrameRun } from './frameRun';
import type { FrameTextures } from './frameTextures';
import type { Stage } from './stage';

/**
 * Renders `view` with the output stages and reads the output back.
 * @returns RGBA for com, fgr, ref and mem; one grey channel (the red one) for pha and err
 */
export async function readView(frame: FrameRun, stages: readonly Stage[], view: OutputType): Promise<Readback> {
  const { width, height } = frame;
  frame.renderView(stages, view);
  const rgba = (await readTexture(frame.device, frame.textures.output)) as Uint8Array;
  if (view === 'com' || view === 'fgr' || view === 'ref' || view === 'mem') return { width, height, channels: 4, data: rgba };
  const grey = new Uint8Array(width * height);
  for (let i = 0; i < grey.length; i++) grey[i] = rgba[i * 4]!;
  return { width, height, channels: 1, data: grey };
}

/** Reads how many tiles the last frame refined (a 4-byte read-back). */
export async function readRefineStats(device: GPUDevice, t: FrameTextures): Promise<RefineStats> {
  const buffer = device.createBuffer({ size: 8, usage: GPUBufferUsage.COPY_DST | GPUBufferUsage.MAP_READ });
  try {
    const encoder = device.createCommandEncoder();
    encoder.copyBufferToBuffer(t.tiles.dispatch, 12, buffer, 0, 4);
    encoder.copyBufferToBuffer(t.tiles.plateTiles, 0, buffer, 4, 4);
    device.queue.submit([encoder.finish()]);
    await buffer.mapAsync(GPUMapMode.READ);
    const [tiles, plateTiles] = new Uint32Array(buffer.getMappedRange());
    buffer.unmap();
    return { tiles: tiles!, share: Math.min(1, (tiles! * TILE_SIZE * TILE_SIZE) / (t.width * t.height)), plateTiles: plateTiles! };
  } finally {
    buffer.destroy();
  }
}

/**
 * The tiles the last frame selected (debug / tests).
 * @returns packed x | y << 16 tile coordinates
 */
export async function readSelectedTiles(device: GPUDevice, t: FrameTextures): Promise<number[]> {
  const count = t.tiles.tilesX * t.tiles.tilesY;
  const staging = device.createBuffer({ size: 16 + count * 4, usage: GPUBufferUsage.COPY_DST | GPUBufferUsage.MAP_READ });
  try {
    const encoder = device.createCommandEncoder();
    encoder.copyBufferToBuffer(t.tiles.dispatch, 0, staging, 0, 16);
    encoder.copyBufferToBuffer(t.tiles.tiles, 0, staging, 16, count * 4);
    device.queue.submit([encoder.finish()]);
    await staging.mapAsync(GPUMapMode.READ);
    const words = new Uint32Array(staging.getMappedRange().slice(0));
    return [...words.subarray(4, 4 + words[3]!)];
  } finally {
    staging.destroy();
  }
}
