import code from '../../../shaders/fgr_residual.wgsl?raw';
import { computePipeline } from '../layout';

/**
 * residual = fgr − src over two planar [1,3,h,w] float32 tensors (shaders/fgr_residual.wgsl):
 * a BGMv2 MattingBase export gives F = clamp(residual + src, 0, 1), the learned refiner takes
 * the residual. Reference: the element-wise f32 difference (test/gpu/cases/segmentCases.ts
 * fgrResidual, driven by test/gpu/onnxBackend.spec.ts).
 */
export function createFgrResidualPass(device: GPUDevice) {
  const ro = (binding: number): GPUBindGroupLayoutEntry => ({ binding, visibility: GPUShaderStage.COMPUTE, buffer: { type: 'read-only-storage' } });
  const { pipeline, layout } = computePipeline(device, 'fgr-residual', code, [
    ro(0),
    ro(1),
    { binding: 2, visibility: GPUShaderStage.COMPUTE, buffer: { type: 'storage' } },
  ]);
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
      const group = device.createBindGroup({
        layout,
        entries: [
          { binding: 0, resource: { buffer: io.fgr, size } },
          { binding: 1, resource: { buffer: io.src, size } },
          { binding: 2, resource: { buffer: io.residual, size } },
        ],
      });
      return { group, count };
    },
    encode(encoder: GPUCommandEncoder, b: { group: GPUBindGroup; count: number }): void {
      const pass = encoder.beginComputePass({ label: 'fgr-residual' });
      pass.setPipeline(pipeline);
      pass.setBindGroup(0, b.group);
      pass.dispatchWorkgroups(Math.ceil(b.count / 64));
      pass.end();
    },
    dispose(): void {},
  };
}
