import code from '../../../shaders/fgr_residual.wgsl?raw';
import { buildComputePass, readStorage, storage } from '../pass';

/** Bind group of shaders/fgr_residual.wgsl, by WGSL name. */
export const FGR_RESIDUAL_BINDINGS = { fgr: readStorage(), src: readStorage(), residual: storage() };

/**
 * residual = fgr − src over two planar [1,3,h,w] float32 tensors (shaders/fgr_residual.wgsl):
 * a BGMv2 MattingBase export gives F = clamp(residual + src, 0, 1), the learned refiner takes
 * the residual. Reference: the element-wise f32 difference (test/gpu/cases/segmentCases.ts
 * fgrResidual, driven by test/gpu/onnxBackend.spec.ts).
 */
export function createFgrResidualPass(device: GPUDevice) {
  const gpu = buildComputePass(device, { label: 'fgr-residual', code, bindings: FGR_RESIDUAL_BINDINGS });
  return {
    /**
     * @param io.count values per tensor (3·h·w); each buffer must hold at least count floats
     * @throws RangeError when a buffer is too small
     */
    bind(io: { fgr: GPUBuffer; src: GPUBuffer; residual: GPUBuffer; count: number }): { group: GPUBindGroup; count: number } {
      const { count } = io;
      const size = count * 4;
      for (const [name, b] of [['fgr', io.fgr], ['src', io.src], ['residual', io.residual]] as const) {
        if (b.size < size) throw new RangeError(`fgr-residual: ${name} has ${b.size} bytes, needs ${size}`);
      }
      const group = gpu.bind({ fgr: { buffer: io.fgr, size }, src: { buffer: io.src, size }, residual: { buffer: io.residual, size } });
      return { group, count };
    },
    encode(encoder: GPUCommandEncoder, b: { group: GPUBindGroup; count: number }): void {
      const pass = encoder.beginComputePass({ label: 'fgr-residual' });
      pass.setPipeline(gpu.pipelines.main);
      pass.setBindGroup(0, b.group);
      pass.dispatchWorkgroups(Math.ceil(b.count / 64));
      pass.end();
    },
    dispose(): void {},
  };
}
