/** Small builders for explicit bind-group layout entries (explicit layouts keep r32float textures legal everywhere). */
const COMPUTE = GPUShaderStage.COMPUTE;

/** A sampled 2D texture read with textureLoad (any float format, filterable or not). */
export function loadTexture(binding: number, visibility: GPUShaderStageFlags = COMPUTE): GPUBindGroupLayoutEntry {
  return { binding, visibility, texture: { sampleType: 'unfilterable-float' } };
}

/** A sampled 2D texture read with a filtering sampler. */
export function filterTexture(binding: number, visibility: GPUShaderStageFlags = COMPUTE): GPUBindGroupLayoutEntry {
  return { binding, visibility, texture: { sampleType: 'float' } };
}

/** A write-only storage texture. */
export function storageTexture(binding: number, format: GPUTextureFormat): GPUBindGroupLayoutEntry {
  return { binding, visibility: COMPUTE, storageTexture: { access: 'write-only', format } };
}

/** A uniform buffer. */
export function uniformBuffer(binding: number, visibility: GPUShaderStageFlags = COMPUTE): GPUBindGroupLayoutEntry {
  return { binding, visibility, buffer: { type: 'uniform' } };
}

/** Builds a compute pipeline from one WGSL module with entry point `main` and an explicit layout. */
export function computePipeline(
  device: GPUDevice,
  label: string,
  code: string,
  entries: GPUBindGroupLayoutEntry[],
): { pipeline: GPUComputePipeline; layout: GPUBindGroupLayout } {
  const layout = device.createBindGroupLayout({ label, entries });
  const pipeline = device.createComputePipeline({
    label,
    layout: device.createPipelineLayout({ label, bindGroupLayouts: [layout] }),
    compute: { module: device.createShaderModule({ label, code }), entryPoint: 'main' },
  });
  return { pipeline, layout };
}

/** Records one compute dispatch covering width×height with 8×8 workgroups. */
export function dispatch2d(
  encoder: GPUCommandEncoder,
  pipeline: GPUComputePipeline,
  bindGroup: GPUBindGroup,
  width: number,
  height: number,
  timestampWrites?: GPUComputePassTimestampWrites,
): void {
  const pass = encoder.beginComputePass(timestampWrites ? { timestampWrites } : {});
  pass.setPipeline(pipeline);
  pass.setBindGroup(0, bindGroup);
  pass.dispatchWorkgroups(Math.ceil(width / 8), Math.ceil(height / 8));
  pass.end();
}

/** Records one indirect compute dispatch: workgroup counts read from `indirect` at byte 0 (e.g. the tile selection's). */
export function dispatchIndirect(
  encoder: GPUCommandEncoder,
  label: string,
  pipeline: GPUComputePipeline,
  bindGroup: GPUBindGroup,
  indirect: GPUBuffer,
  timestampWrites?: GPUComputePassTimestampWrites,
): void {
  const pass = encoder.beginComputePass({ label, ...(timestampWrites ? { timestampWrites } : {}) });
  pass.setPipeline(pipeline);
  pass.setBindGroup(0, bindGroup);
  pass.dispatchWorkgroupsIndirect(indirect, 0);
  pass.end();
}
