/**
 * The pass helper: a pass describes its bind group once, as a record keyed by the WGSL
 * variable names (`{ frame: texture(), dst: storageTexture('rgba16float'), params: uniform() }`),
 * and the binding numbers live only in the WGSL (`@group(0) @binding(n) var name`). From the
 * description and the code come the bind group layout (explicit, so r32float textures stay
 * legal everywhere), the pipeline(s) and a typed bind(resources).
 *
 * The builders and the parser touch no WebGPU global, so a pass module imports in Node.
 */

/** A texture_2d<f32>: 'unfilterable-float' when read with textureLoad, 'float' when sampled through a filtering sampler. */
export interface TextureBinding {
  readonly kind: 'texture';
  readonly sampleType: 'unfilterable-float' | 'float';
}

/** A write-only texture_storage_2d of one format. */
export interface StorageTextureBinding {
  readonly kind: 'storage-texture';
  readonly format: GPUTextureFormat;
}

/** A texture_external. */
export interface ExternalTextureBinding {
  readonly kind: 'external-texture';
}

/** A var<uniform> ('uniform'), var<storage, read_write> ('storage') or var<storage, read> ('read-only-storage'). */
export interface BufferBinding {
  readonly kind: 'buffer';
  readonly type: GPUBufferBindingType;
}

/** A filtering sampler. */
export interface SamplerBinding {
  readonly kind: 'sampler';
}

/** What one WGSL resource variable is. */
export type BindingDescription = TextureBinding | StorageTextureBinding | ExternalTextureBinding | BufferBinding | SamplerBinding;

/** A pass's bind group 0, keyed by WGSL variable name. */
export type PassBindings = Readonly<Record<string, BindingDescription>>;

/** A buffer bound from `offset` (bytes, default 0) for `size` bytes (default: to its end). */
export interface BufferRange {
  buffer: GPUBuffer;
  offset?: number;
  size?: number;
}

/** The resource a binding takes: a texture (bound through its default view) or a view; a buffer or a range of one; a sampler; an external texture. */
export type BindingResourceOf<D extends BindingDescription> = D extends TextureBinding | StorageTextureBinding
  ? GPUTexture | GPUTextureView
  : D extends BufferBinding
    ? GPUBuffer | BufferRange
    : D extends SamplerBinding
      ? GPUSampler
      : GPUExternalTexture;

/** One resource per described name: a missing or misspelled name does not type-check. */
export type PassResources<B extends PassBindings> = { readonly [K in keyof B]: BindingResourceOf<B[K]> };

/** texture_2d<f32> read with textureLoad (any float format, filterable or not). */
export function texture(): TextureBinding {
  return { kind: 'texture', sampleType: 'unfilterable-float' };
}

/** texture_2d<f32> sampled through a filtering sampler (a filterable format: rgba8unorm, rgba16float). */
export function filteredTexture(): TextureBinding {
  return { kind: 'texture', sampleType: 'float' };
}

/** texture_storage_2d<format, write>. */
export function storageTexture(format: GPUTextureFormat): StorageTextureBinding {
  return { kind: 'storage-texture', format };
}

/** texture_external (a VideoFrame imported with importExternalTexture). */
export function externalTexture(): ExternalTextureBinding {
  return { kind: 'external-texture' };
}

/** var<uniform>. */
export function uniform(): BufferBinding {
  return { kind: 'buffer', type: 'uniform' };
}

/** var<storage, read_write>. */
export function storage(): BufferBinding {
  return { kind: 'buffer', type: 'storage' };
}

/** var<storage, read> (or var<storage>). */
export function readStorage(): BufferBinding {
  return { kind: 'buffer', type: 'read-only-storage' };
}

/** A filtering sampler (sampler). */
export function sampler(): SamplerBinding {
  return { kind: 'sampler' };
}

/** One resource variable of a WGSL module: `@group(group) @binding(binding) var<addressSpace> name: type`. */
export interface WgslBinding {
  name: string;
  group: number;
  binding: number;
  /** What stands between `var<` and `>` without whitespace ('uniform', 'storage,read'), '' for none. */
  addressSpace: string;
  /** The declared type without whitespace ('texture_2d<f32>', 'array<f32>'). */
  type: string;
}

/** The code with its line comments and (nested) block comments blanked, so commented-out declarations do not count. */
function stripComments(code: string): string {
  let out = '';
  let depth = 0;
  for (let i = 0; i < code.length; i++) {
    const two = code.slice(i, i + 2);
    if (two === '/*') {
      depth++;
      i++;
      out += '  ';
    } else if (depth > 0 && two === '*/') {
      depth--;
      i++;
      out += '  ';
    } else if (depth === 0 && two === '//') {
      while (i < code.length && code[i] !== '\n') i++;
      out += '\n';
    } else {
      out += depth > 0 && code[i] !== '\n' ? ' ' : code[i];
    }
  }
  return out;
}

/** A run of attributes (`@name` or `@name(args)`, any whitespace between) directly before `var`, then `<address space>`, the name and `: type;`. */
const DECLARATION = /((?:@[A-Za-z_]\w*(?:\s*\([^()]*\))?\s*)+)var\b\s*(?:<([^>]*)>)?\s*([A-Za-z_]\w*)\s*:\s*([^;]*?)\s*;/g;
const ATTRIBUTE = /@(group|binding)\s*\(([^()]*)\)/g;
const squeeze = (text: string): string => text.replace(/\s+/g, '');

/**
 * The resource variables a WGSL module declares with @group and @binding, in source order.
 * Comments are skipped; the attributes may come in either order, with other attributes, on
 * lines of their own, with any whitespace; the numbers must be integer literals (`3`, `3u`).
 * Pure: no GPU needed.
 * @param pass the pass's name, for the error messages
 * @throws Error naming the pass when a variable has @group without @binding or the reverse, a
 *   number is not an integer literal, or two declarations share a name or a group and binding
 */
export function parseWgslBindings(pass: string, code: string): WgslBinding[] {
  const found: WgslBinding[] = [];
  for (const [, attributes, addressSpace, name, type] of stripComments(code).matchAll(DECLARATION)) {
    const numbers: Partial<Record<'group' | 'binding', number>> = {};
    for (const [, attribute, argument] of attributes!.matchAll(ATTRIBUTE)) {
      const literal = /^\s*(\d+)[iu]?\s*$/.exec(argument!);
      if (!literal) throw new Error(`${pass}: @${attribute}(${argument!.trim()}) on '${name}' is not an integer literal`);
      numbers[attribute as 'group' | 'binding'] = Number(literal[1]);
    }
    const { group, binding } = numbers;
    if (group === undefined && binding === undefined) continue;
    if (group === undefined) throw new Error(`${pass}: WGSL variable '${name}' has @binding without @group`);
    if (binding === undefined) throw new Error(`${pass}: WGSL variable '${name}' has @group without @binding`);
    const twin = found.find((b) => b.name === name || (b.group === group && b.binding === binding));
    if (twin?.name === name) throw new Error(`${pass}: WGSL declares '${name}' twice`);
    if (twin) throw new Error(`${pass}: WGSL binds both '${twin.name}' and '${name}' at @group(${group}) @binding(${binding})`);
    found.push({ name: name!, group, binding, addressSpace: squeeze(addressSpace ?? ''), type: squeeze(type!) });
  }
  return found;
}

/** Whether a WGSL declaration is what a description says (the storage texture's format included). */
function declares(d: BindingDescription, w: WgslBinding): boolean {
  switch (d.kind) {
    case 'texture':
      return w.addressSpace === '' && w.type === 'texture_2d<f32>';
    case 'storage-texture':
      return w.addressSpace === '' && w.type === `texture_storage_2d<${d.format},write>`;
    case 'external-texture':
      return w.addressSpace === '' && w.type === 'texture_external';
    case 'sampler':
      return w.addressSpace === '' && w.type === 'sampler';
    case 'buffer':
      return { uniform: ['uniform'], storage: ['storage,read_write'], 'read-only-storage': ['storage', 'storage,read'] }[d.type].includes(w.addressSpace);
  }
}

/** How a description reads in an error message. */
function describeBinding(d: BindingDescription): string {
  switch (d.kind) {
    case 'texture':
      return d.sampleType === 'float' ? 'filteredTexture() (texture_2d<f32>)' : 'texture() (texture_2d<f32>)';
    case 'storage-texture':
      return `storageTexture('${d.format}') (texture_storage_2d<${d.format}, write>)`;
    case 'external-texture':
      return 'externalTexture() (texture_external)';
    case 'sampler':
      return 'sampler() (sampler)';
    case 'buffer':
      return { uniform: 'uniform() (var<uniform>)', storage: 'storage() (var<storage, read_write>)', 'read-only-storage': 'readStorage() (var<storage, read>)' }[d.type];
  }
}

/**
 * Maps every name a pass describes to its @binding number in the pass's WGSL. Pure: no GPU needed.
 * @param pass the pass's name, for the error messages
 * @param code the WGSL the pass's pipeline is made from
 * @throws Error naming the pass when a described name is not bound in the WGSL, the WGSL binds a
 *   name the description lacks, a binding is outside @group(0) (a pass has one bind group), a
 *   declaration is not of the described kind (texture_2d<f32>, a storage texture of the described
 *   format, texture_external, sampler, var<uniform>, var<storage, read_write>, var<storage, read>),
 *   or on the duplicates and malformed declarations that {@link parseWgslBindings} refuses
 */
export function bindingNumbers<B extends PassBindings>(pass: string, code: string, bindings: B): Record<keyof B & string, number> {
  const numbers: Record<string, number> = {};
  for (const w of parseWgslBindings(pass, code)) {
    if (w.group !== 0) throw new Error(`${pass}: WGSL binds '${w.name}' in @group(${w.group}); a pass has one bind group, @group(0)`);
    const d = Object.hasOwn(bindings, w.name) ? bindings[w.name] : undefined;
    if (!d) throw new Error(`${pass}: WGSL binds '${w.name}' at @binding(${w.binding}) but the pass does not describe it`);
    if (!declares(d, w)) {
      const space = w.addressSpace ? `<${w.addressSpace}>` : '';
      throw new Error(`${pass}: '${w.name}' is described as ${describeBinding(d)} but the WGSL declares var${space} ${w.name}: ${w.type}`);
    }
    numbers[w.name] = w.binding;
  }
  const missing = Object.keys(bindings).filter((name) => !Object.hasOwn(numbers, name));
  if (missing.length > 0) throw new Error(`${pass}: the pass describes ${missing.map((n) => `'${n}'`).join(', ')} but the WGSL does not bind ${missing.length > 1 ? 'them' : 'it'}`);
  return numbers as Record<keyof B & string, number>;
}

/** The description of a pass's WGSL and its bind group. */
export interface PassDescription<B extends PassBindings> {
  /** Label of every GPU object made, and the pass's name in errors. */
  label: string;
  /** The whole WGSL module (with any prepended library code). */
  code: string;
  bindings: B;
}

/** A compute pass: one pipeline per entry point, all on the same bind group layout. */
export interface ComputePassDescription<B extends PassBindings, E extends string> extends PassDescription<B> {
  /** Entry points, each its own pipeline (default ['main']). */
  entryPoints?: readonly E[];
  /** Values of the WGSL's pipeline-overridable constants, by name. */
  constants?: Record<string, number>;
}

/** A render pass over one WGSL module; its bindings are visible to the fragment stage. */
export interface RenderPassDescription<B extends PassBindings> extends PassDescription<B> {
  /** Vertex and fragment entry points. */
  vertex: string;
  fragment: string;
  targets: GPUColorTargetState[];
  /** Default: a triangle list. */
  primitive?: GPUPrimitiveState;
}

/** The GPU objects every pass has: its bind group layout and bind(). */
export interface BuiltPass<B extends PassBindings> {
  layout: GPUBindGroupLayout;
  /**
   * Makes a bind group from one resource per described name (a texture binds its default view).
   * @throws Error naming the pass and the binding when a resource is missing (untyped callers)
   */
  bind(resources: PassResources<B>): GPUBindGroup;
}

/** What {@link buildComputePass} returns. */
export interface BuiltComputePass<B extends PassBindings, E extends string> extends BuiltPass<B> {
  pipelines: Record<E, GPUComputePipeline>;
}

/** What {@link buildRenderPass} returns. */
export interface BuiltRenderPass<B extends PassBindings> extends BuiltPass<B> {
  pipeline: GPURenderPipeline;
}

/** The layout entry of one described binding. */
function layoutEntry(binding: number, visibility: GPUShaderStageFlags, d: BindingDescription): GPUBindGroupLayoutEntry {
  switch (d.kind) {
    case 'texture':
      return { binding, visibility, texture: { sampleType: d.sampleType } };
    case 'storage-texture':
      return { binding, visibility, storageTexture: { access: 'write-only', format: d.format } };
    case 'external-texture':
      return { binding, visibility, externalTexture: {} };
    case 'buffer':
      return { binding, visibility, buffer: { type: d.type } };
    case 'sampler':
      return { binding, visibility, sampler: { type: 'filtering' } };
  }
}

/** The bind group resource for one binding: textures through their default view, whole buffers as { buffer }. */
function bindingResource(d: BindingDescription, r: GPUTexture | GPUTextureView | GPUBuffer | BufferRange | GPUSampler | GPUExternalTexture): GPUBindingResource {
  if (d.kind === 'texture' || d.kind === 'storage-texture') return 'createView' in r ? r.createView() : (r as GPUTextureView);
  if (d.kind === 'buffer') return 'buffer' in r ? r : { buffer: r as GPUBuffer };
  return r as GPUSampler | GPUExternalTexture;
}

/** Layout and bind() for a description whose bindings are visible to `visibility`; checks the description against the WGSL. */
function buildBindings<B extends PassBindings>(device: GPUDevice, desc: PassDescription<B>, visibility: GPUShaderStageFlags): BuiltPass<B> {
  const { label, bindings } = desc;
  const numbers: Record<string, number> = bindingNumbers(label, desc.code, bindings);
  const names = Object.keys(bindings).sort((a, b) => numbers[a]! - numbers[b]!);
  const layout = device.createBindGroupLayout({ label, entries: names.map((name) => layoutEntry(numbers[name]!, visibility, bindings[name]!)) });
  return {
    layout,
    bind(resources: PassResources<B>): GPUBindGroup {
      const entries = names.map((name): GPUBindGroupEntry => {
        const r = resources[name];
        if (r === undefined) throw new Error(`${label}: bind() has no resource for '${name}'`);
        return { binding: numbers[name]!, resource: bindingResource(bindings[name]!, r) };
      });
      return device.createBindGroup({ label, layout, entries });
    },
  };
}

/**
 * Builds a compute pass from its description: the bind group layout (entries in binding order,
 * visible to the compute stage), one pipeline per entry point, and bind().
 * @throws Error naming the pass when the description and the WGSL's bindings differ (see {@link bindingNumbers})
 */
export function buildComputePass<B extends PassBindings, E extends string = 'main'>(
  device: GPUDevice,
  desc: ComputePassDescription<B, E>,
): BuiltComputePass<B, E> {
  const { layout, bind } = buildBindings(device, desc, GPUShaderStage.COMPUTE);
  const { label } = desc;
  const module = device.createShaderModule({ label, code: desc.code });
  const pipelineLayout = device.createPipelineLayout({ label, bindGroupLayouts: [layout] });
  // Without entryPoints E is its default, 'main'.
  const entryPoints = desc.entryPoints ?? (['main'] as readonly string[] as readonly E[]);
  const pipelines = {} as Record<E, GPUComputePipeline>;
  for (const entryPoint of entryPoints) {
    pipelines[entryPoint] = device.createComputePipeline({
      label: entryPoints.length > 1 ? `${label} ${entryPoint}` : label,
      layout: pipelineLayout,
      compute: { module, entryPoint, ...(desc.constants ? { constants: desc.constants } : {}) },
    });
  }
  return { layout, pipelines, bind };
}

/**
 * Builds a render pass from its description: the bind group layout (entries in binding order,
 * visible to the fragment stage), the render pipeline, and bind().
 * @throws Error naming the pass when the description and the WGSL's bindings differ (see {@link bindingNumbers})
 */
export function buildRenderPass<B extends PassBindings>(device: GPUDevice, desc: RenderPassDescription<B>): BuiltRenderPass<B> {
  const { layout, bind } = buildBindings(device, desc, GPUShaderStage.FRAGMENT);
  const { label } = desc;
  const module = device.createShaderModule({ label, code: desc.code });
  const pipeline = device.createRenderPipeline({
    label,
    layout: device.createPipelineLayout({ label, bindGroupLayouts: [layout] }),
    vertex: { module, entryPoint: desc.vertex },
    fragment: { module, entryPoint: desc.fragment, targets: desc.targets },
    primitive: desc.primitive ?? { topology: 'triangle-list' },
  });
  return { layout, pipeline, bind };
}

/**
 * Records one render pass that draws the full-screen triangle (shaders/fullscreen.wgsl) into `target`.
 * @param load 'clear' (to opaque black) or 'load' (draw over what the target holds, e.g. with blending)
 */
export function drawFullscreen(
  encoder: GPUCommandEncoder,
  pipeline: GPURenderPipeline,
  bindGroup: GPUBindGroup,
  target: GPUTextureView,
  load: 'clear' | 'load',
  timestampWrites?: GPURenderPassTimestampWrites,
): void {
  const attachment: GPURenderPassColorAttachment = load === 'clear' ? { view: target, loadOp: 'clear', storeOp: 'store', clearValue: [0, 0, 0, 1] } : { view: target, loadOp: 'load', storeOp: 'store' };
  const pass = encoder.beginRenderPass({ colorAttachments: [attachment], ...(timestampWrites ? { timestampWrites } : {}) });
  pass.setPipeline(pipeline);
  pass.setBindGroup(0, bindGroup);
  pass.draw(3);
  pass.end();
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
