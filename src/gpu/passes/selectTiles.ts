import code from '../../../shaders/select_tiles.wgsl?raw';
import type { RefineMode } from '../../options';
import { buildComputePass, storage, texture, uniform } from '../pass';

/** Full-resolution tile side in pixels (2×2 texels of the 1/4-resolution error map). */
export const TILE_SIZE = 8;
const REFINE_MODE_CODE: Record<RefineMode, number> = { sampling: 0, thresholding: 1, full: 2 };

/** Buffers the selection writes and the refiner reads; owned by the caller. */
export interface TileBuffers {
  /** u32 per tile: x | y << 16, the first `dispatch[0]` entries valid. STORAGE. */
  tiles: GPUBuffer;
  /** Indirect dispatch arguments [x, y, 1] and the tile count (4 × u32). STORAGE | INDIRECT. */
  dispatch: GPUBuffer;
  /** f32 per tile: the tile's error (scratch of the selection). STORAGE. */
  errors: GPUBuffer;
  /** u32: how many of the frame's refined tiles took the plate (captured, or the background memory where it knows enough). STORAGE. */
  plateTiles: GPUBuffer;
  tilesX: number;
  tilesY: number;
}

/** Allocates the tile list and indirect-dispatch buffers for a frame of width×height pixels. */
export function createTileBuffers(device: GPUDevice, width: number, height: number): TileBuffers {
  const tilesX = Math.ceil(width / TILE_SIZE);
  const tilesY = Math.ceil(height / TILE_SIZE);
  return {
    tiles: device.createBuffer({ label: 'tile list', size: 4 * tilesX * tilesY, usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC }),
    errors: device.createBuffer({ label: 'tile errors', size: 4 * tilesX * tilesY, usage: GPUBufferUsage.STORAGE }),
    plateTiles: device.createBuffer({ label: 'plate tiles', size: 4, usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC | GPUBufferUsage.COPY_DST }),
    dispatch: device.createBuffer({
      label: 'refine dispatch',
      size: 16,
      usage: GPUBufferUsage.STORAGE | GPUBufferUsage.INDIRECT | GPUBufferUsage.COPY_SRC,
    }),
    tilesX,
    tilesY,
  };
}

/** Bind group of shaders/select_tiles.wgsl (entry points `measure`, `threshold`, `append`, `finalize`), by WGSL name. */
export const SELECT_TILES_BINDINGS = {
  err: texture(),
  tileErr: storage(),
  histogram: storage(),
  cut: storage(),
  tiles: storage(),
  dispatch: storage(),
  params: uniform(),
  rowTies: storage(),
};

/**
 * GPU tile selection for the sparse refiner: per-tile error, a 256-bin histogram for top-k,
 * ties in the cut bin taken in row-major order (a rank from per-row counts, so the selected set
 * does not depend on the order threads run in: the same frame selects the same tiles, as the
 * reference does), and an atomic append into a compact list whose length is the indirect
 * dispatch count (shaders/select_tiles.wgsl; reference: src/gpu/reference/selectTiles.ts).
 */
export function createSelectTilesPass(device: GPUDevice) {
  const gpu = buildComputePass(device, {
    label: 'select-tiles',
    code,
    bindings: SELECT_TILES_BINDINGS,
    entryPoints: ['measure', 'threshold', 'countTies', 'rankRows', 'append', 'finalize'],
  });
  const { measure, threshold, countTies, rankRows, append, finalize } = gpu.pipelines;
  const params = device.createBuffer({ label: 'select-tiles params', size: 32, usage: GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST });
  const histogram = device.createBuffer({ label: 'tile error histogram', size: 256 * 4, usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_DST });
  const cut = device.createBuffer({ label: 'tile cut', size: 16, usage: GPUBufferUsage.STORAGE });
  // One u32 per tile row of the largest frame the device takes.
  const rowTies = device.createBuffer({ label: 'tile row ties', size: 4 * Math.ceil(device.limits.maxTextureDimension2D / TILE_SIZE), usage: GPUBufferUsage.STORAGE });
  return {
    /**
     * Sets the selection for the following frames.
     * @param budget sampling: the largest number of tiles; threshold: thresholding's error cut (0..1)
     */
    setParams(mode: RefineMode, budget: number, threshold: number, buffers: TileBuffers): void {
      const data = new ArrayBuffer(32);
      new Uint32Array(data, 0, 2).set([REFINE_MODE_CODE[mode], budget]);
      new Float32Array(data, 8, 1)[0] = threshold;
      new Uint32Array(data, 12, 2).set([buffers.tilesX, buffers.tilesY]);
      device.queue.writeBuffer(params, 0, data);
    },
    bind(io: { err: GPUTexture; buffers: TileBuffers }): { group: GPUBindGroup; tilesX: number; tilesY: number } {
      const group = gpu.bind({ err: io.err, tileErr: io.buffers.errors, histogram, cut, tiles: io.buffers.tiles, dispatch: io.buffers.dispatch, params, rowTies });
      return { group, tilesX: io.buffers.tilesX, tilesY: io.buffers.tilesY };
    },
    encode(encoder: GPUCommandEncoder, b: { group: GPUBindGroup; tilesX: number; tilesY: number }): void {
      encoder.clearBuffer(histogram);
      const pass = encoder.beginComputePass({ label: 'select-tiles' });
      pass.setBindGroup(0, b.group);
      pass.setPipeline(measure);
      pass.dispatchWorkgroups(Math.ceil(b.tilesX / 8), Math.ceil(b.tilesY / 8));
      pass.setPipeline(threshold);
      pass.dispatchWorkgroups(1);
      pass.setPipeline(countTies);
      pass.dispatchWorkgroups(Math.ceil(b.tilesY / 64));
      pass.setPipeline(rankRows);
      pass.dispatchWorkgroups(1);
      pass.setPipeline(append);
      pass.dispatchWorkgroups(Math.ceil(b.tilesX / 8), Math.ceil(b.tilesY / 8));
      pass.setPipeline(finalize);
      pass.dispatchWorkgroups(1);
      pass.end();
    },
    dispose(): void {
      for (const buffer of [params, histogram, cut, rowTies]) buffer.destroy();
    },
  };
}
