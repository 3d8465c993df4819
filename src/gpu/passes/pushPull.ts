import code from '../../../shaders/pushpull.wgsl?raw';
import { buildComputePass, dispatch2d, filteredTexture, sampler, storageTexture, texture, uniform } from '../pass';

/** Size of each level of a push-pull pyramid over a width×height base, halving (rounding up) down to 1×1. */
export function pyramidSizes(width: number, height: number): { width: number; height: number }[] {
  const sizes = [{ width, height }];
  while (sizes.at(-1)!.width > 1 || sizes.at(-1)!.height > 1) {
    const last = sizes.at(-1)!;
    sizes.push({ width: Math.ceil(last.width / 2), height: Math.ceil(last.height / 2) });
  }
  return sizes;
}

/** Bind group of shaders/pushpull.wgsl (entry points `down` and `up`), by WGSL name. */
export const PUSH_PULL_BINDINGS = {
  src: texture(),
  parent: filteredTexture(),
  dst: storageTexture('rgba16float'),
  params: uniform(),
  linearSampler: sampler(),
};

/**
 * Push-pull fill of sparse premultiplied colour samples (shaders/pushpull.wgsl; reference:
 * src/gpu/reference/pushPull.ts). One instance fills one seed texture; it owns its pyramid.
 */
export function createPushPullPass(device: GPUDevice, label: string) {
  const gpu = buildComputePass(device, { label, code, bindings: PUSH_PULL_BINDINGS, entryPoints: ['down', 'up'] });
  const { down, up } = gpu.pipelines;
  const linearSampler = device.createSampler({ magFilter: 'linear', minFilter: 'linear' });
  const flags = [0, 1].map((isTop) => {
    const buffer = device.createBuffer({ label: `${label} params`, size: 16, usage: GPUBufferUsage.UNIFORM, mappedAtCreation: true });
    new Uint32Array(buffer.getMappedRange()).set([isTop, 0, 0, 0]);
    buffer.unmap();
    return buffer;
  });
  let owned: GPUTexture[] = [];
  const usage = GPUTextureUsage.TEXTURE_BINDING | GPUTextureUsage.STORAGE_BINDING;
  return {
    /**
     * Allocates the pyramid for a seed texture and returns the recorded steps.
     * @param seed rgba16float (rgb·w, w) at the base size
     * @param filled rgba16float output at the base size, (colour, 1)
     */
    bind(io: { seed: GPUTexture; filled: GPUTexture }): { steps: { pipeline: GPUComputePipeline; group: GPUBindGroup; width: number; height: number }[] } {
      for (const t of owned) t.destroy();
      const sizes = pyramidSizes(io.seed.width, io.seed.height);
      const make = (s: { width: number; height: number }): GPUTexture => device.createTexture({ label, size: [s.width, s.height], format: 'rgba16float', usage });
      const downs = [io.seed, ...sizes.slice(1).map(make)];
      const ups = [io.filled, ...sizes.slice(1).map(make)];
      owned = [...downs.slice(1), ...ups.slice(1)];
      const group = (src: GPUTexture, parent: GPUTexture, dst: GPUTexture, isTop: boolean): GPUBindGroup =>
        gpu.bind({ src, parent, dst, params: flags[isTop ? 1 : 0]!, linearSampler });
      const steps = [];
      for (let k = 0; k + 1 < sizes.length; k++) {
        // `parent` is unused by `down`; any texture of the right kind satisfies the layout.
        steps.push({ pipeline: down, group: group(downs[k]!, ups.at(-1)!, downs[k + 1]!, false), ...sizes[k + 1]! });
      }
      for (let k = sizes.length - 1; k >= 0; k--) {
        const top = k === sizes.length - 1;
        steps.push({ pipeline: up, group: group(downs[k]!, top ? downs[k]! : ups[k + 1]!, ups[k]!, top), ...sizes[k]! });
      }
      return { steps };
    },
    encode(encoder: GPUCommandEncoder, b: { steps: { pipeline: GPUComputePipeline; group: GPUBindGroup; width: number; height: number }[] }): void {
      for (const s of b.steps) dispatch2d(encoder, s.pipeline, s.group, s.width, s.height);
    },
    dispose(): void {
      for (const t of owned) t.destroy();
      owned = [];
      for (const f of flags) f.destroy();
    },
  };
}
