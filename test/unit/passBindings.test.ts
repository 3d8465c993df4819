import { readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import backgroundMarginWgsl from '../../shaders/background_margin.wgsl?raw';
import backgroundMemoryWgsl from '../../shaders/background_memory.wgsl?raw';
import blurPrepareWgsl from '../../shaders/blur_prepare.wgsl?raw';
import coarseWgsl from '../../shaders/coarse.wgsl?raw';
import compositeWgsl from '../../shaders/composite.wgsl?raw';
import downsampleWgsl from '../../shaders/downsample.wgsl?raw';
import fgrResidualWgsl from '../../shaders/fgr_residual.wgsl?raw';
import fuseDepthWgsl from '../../shaders/fuse_depth.wgsl?raw';
import gaussianBlurWgsl from '../../shaders/gaussian_blur.wgsl?raw';
import importFrameWgsl from '../../shaders/import_frame.wgsl?raw';
import fullscreenWgsl from '../../shaders/fullscreen.wgsl?raw';
import lightWrapWgsl from '../../shaders/light_wrap.wgsl?raw';
import lightWrapPrepareWgsl from '../../shaders/light_wrap_prepare.wgsl?raw';
import plateGainWgsl from '../../shaders/plate_gain.wgsl?raw';
import plateStatsWgsl from '../../shaders/plate_stats.wgsl?raw';
import priorOverruleWgsl from '../../shaders/prior_overrule.wgsl?raw';
import pushPullWgsl from '../../shaders/pushpull.wgsl?raw';
import halfPixelBilinearWgsl from '../../shaders/half_pixel_bilinear.wgsl?raw';
import rvmFgrWgsl from '../../shaders/rvm_fgr.wgsl?raw';
import rvmFillCoreWgsl from '../../shaders/rvm_fill_core.wgsl?raw';
import rvmFillRampWgsl from '../../shaders/rvm_fill_ramp.wgsl?raw';
import rvmFillRegionWgsl from '../../shaders/rvm_fill_region.wgsl?raw';
import rvmFuseWgsl from '../../shaders/rvm_fuse.wgsl?raw';
import refineLearnedWgsl from '../../shaders/refine_learned.wgsl?raw';
import refineTilesWgsl from '../../shaders/refine_tiles.wgsl?raw';
import registerDepthWgsl from '../../shaders/register_depth.wgsl?raw';
import roiBoxWgsl from '../../shaders/roi_box.wgsl?raw';
import selectTilesWgsl from '../../shaders/select_tiles.wgsl?raw';
import temporalWgsl from '../../shaders/temporal.wgsl?raw';
import tensorFromTextureWgsl from '../../shaders/tensor_from_texture.wgsl?raw';
import tensorToTextureWgsl from '../../shaders/tensor_to_texture.wgsl?raw';
import upsampleMaskWgsl from '../../shaders/upsample_mask.wgsl?raw';
import {
  bindingNumbers,
  externalTexture,
  filteredTexture,
  parseWgslBindings,
  readStorage,
  sampler,
  storage,
  storageTexture,
  texture,
  uniform,
  type PassBindings,
} from '../../src/gpu/pass';
import { BACKGROUND_MARGIN_BINDINGS } from '../../src/gpu/passes/backgroundMargin';
import { BACKGROUND_MEMORY_BINDINGS } from '../../src/gpu/passes/backgroundMemory';
import { BLUR_PREPARE_BINDINGS } from '../../src/gpu/passes/blurPrepare';
import { COARSE_BINDINGS } from '../../src/gpu/passes/coarse';
import { COMPOSITE_BINDINGS } from '../../src/gpu/passes/composite';
import { DOWNSAMPLE_BINDINGS } from '../../src/gpu/passes/downsample';
import { FGR_RESIDUAL_BINDINGS } from '../../src/gpu/passes/fgrResidual';
import { FUSE_DEPTH_BINDINGS } from '../../src/gpu/passes/fuseDepth';
import { GAUSSIAN_BLUR_BINDINGS } from '../../src/gpu/passes/gaussianBlur';
import { IMPORT_FRAME_BINDINGS } from '../../src/gpu/passes/importFrame';
import { LIGHT_WRAP_BINDINGS } from '../../src/gpu/passes/lightWrap';
import { LIGHT_WRAP_PREPARE_BINDINGS } from '../../src/gpu/passes/lightWrapPrepare';
import { PLATE_STATS_BINDINGS } from '../../src/gpu/passes/plateStats';
import { PRIOR_OVERRULE_BINDINGS } from '../../src/gpu/passes/priorOverrule';
import { PUSH_PULL_BINDINGS } from '../../src/gpu/passes/pushPull';
import { REFINE_LEARNED_BINDINGS } from '../../src/gpu/passes/refineLearned';
import { REFINE_TILES_BINDINGS } from '../../src/gpu/passes/refineTiles';
import { REGISTER_DEPTH_BINDINGS } from '../../src/gpu/passes/registerDepth';
import { ROI_BOX_BINDINGS } from '../../src/gpu/passes/roiBox';
import { SELECT_TILES_BINDINGS } from '../../src/gpu/passes/selectTiles';
import { TEMPORAL_BINDINGS } from '../../src/gpu/passes/temporal';
import { TENSOR_FROM_TEXTURE_BINDINGS } from '../../src/gpu/passes/tensorFromTexture';
import { TENSOR_TO_TEXTURE_BINDINGS } from '../../src/gpu/passes/tensorToTexture';
import { RVM_FGR_BINDINGS } from '../../src/gpu/passes/rvmFgr';
import { RVM_FILL_CORE_BINDINGS, RVM_FILL_REGION_BINDINGS } from '../../src/gpu/passes/rvmFillRegion';
import { RVM_FUSE_BINDINGS } from '../../src/gpu/passes/rvmFuse';
import { UPSAMPLE_MASK_BINDINGS } from '../../src/gpu/passes/upsampleMask';

/** One pass: its shader files in the order its module joins them, their code, and its description. */
interface PassCase {
  files: string[];
  code: string;
  bindings: PassBindings;
}

const pass = (files: Record<string, string>, bindings: PassBindings): PassCase => ({ files: Object.keys(files), code: Object.values(files).join(''), bindings });

/** Every pass module (src/gpu/passes/*.ts) with the code its pipeline is made from. */
const PASSES: Record<string, PassCase> = {
  backgroundMargin: pass({ 'background_margin.wgsl': backgroundMarginWgsl }, BACKGROUND_MARGIN_BINDINGS),
  backgroundMemory: pass({ 'plate_gain.wgsl': plateGainWgsl, 'background_memory.wgsl': backgroundMemoryWgsl }, BACKGROUND_MEMORY_BINDINGS),
  blurPrepare: pass({ 'blur_prepare.wgsl': blurPrepareWgsl }, BLUR_PREPARE_BINDINGS),
  coarse: pass({ 'plate_gain.wgsl': plateGainWgsl, 'coarse.wgsl': coarseWgsl }, COARSE_BINDINGS),
  composite: pass({ 'fullscreen.wgsl': fullscreenWgsl, 'composite.wgsl': compositeWgsl }, COMPOSITE_BINDINGS),
  downsample: pass({ 'downsample.wgsl': downsampleWgsl }, DOWNSAMPLE_BINDINGS),
  fgrResidual: pass({ 'fgr_residual.wgsl': fgrResidualWgsl }, FGR_RESIDUAL_BINDINGS),
  fuseDepth: pass({ 'fuse_depth.wgsl': fuseDepthWgsl }, FUSE_DEPTH_BINDINGS),
  gaussianBlur: pass({ 'gaussian_blur.wgsl': gaussianBlurWgsl }, GAUSSIAN_BLUR_BINDINGS),
  importFrame: pass({ 'import_frame.wgsl': importFrameWgsl }, IMPORT_FRAME_BINDINGS),
  lightWrap: pass({ 'fullscreen.wgsl': fullscreenWgsl, 'light_wrap.wgsl': lightWrapWgsl }, LIGHT_WRAP_BINDINGS),
  lightWrapPrepare: pass({ 'light_wrap_prepare.wgsl': lightWrapPrepareWgsl }, LIGHT_WRAP_PREPARE_BINDINGS),
  plateStats: pass({ 'plate_stats.wgsl': plateStatsWgsl }, PLATE_STATS_BINDINGS),
  priorOverrule: pass({ 'plate_gain.wgsl': plateGainWgsl, 'prior_overrule.wgsl': priorOverruleWgsl }, PRIOR_OVERRULE_BINDINGS),
  pushPull: pass({ 'pushpull.wgsl': pushPullWgsl }, PUSH_PULL_BINDINGS),
  refineLearned: pass({ 'refine_learned.wgsl': refineLearnedWgsl }, REFINE_LEARNED_BINDINGS),
  refineTiles: pass({ 'plate_gain.wgsl': plateGainWgsl, 'refine_tiles.wgsl': refineTilesWgsl }, REFINE_TILES_BINDINGS),
  registerDepth: pass({ 'register_depth.wgsl': registerDepthWgsl }, REGISTER_DEPTH_BINDINGS),
  roiBox: pass({ 'roi_box.wgsl': roiBoxWgsl }, ROI_BOX_BINDINGS),
  rvmFgr: pass({ 'half_pixel_bilinear.wgsl': halfPixelBilinearWgsl, 'rvm_fgr.wgsl': rvmFgrWgsl }, RVM_FGR_BINDINGS),
  'rvmFillRegion:core': pass({ 'rvm_fill_ramp.wgsl': rvmFillRampWgsl, 'rvm_fill_core.wgsl': rvmFillCoreWgsl }, RVM_FILL_CORE_BINDINGS),
  'rvmFillRegion:region': pass({ 'rvm_fill_region.wgsl': rvmFillRegionWgsl }, RVM_FILL_REGION_BINDINGS),
  rvmFuse: pass({ 'rvm_fill_ramp.wgsl': rvmFillRampWgsl, 'rvm_fuse.wgsl': rvmFuseWgsl }, RVM_FUSE_BINDINGS),
  selectTiles: pass({ 'select_tiles.wgsl': selectTilesWgsl }, SELECT_TILES_BINDINGS),
  temporal: pass({ 'temporal.wgsl': temporalWgsl }, TEMPORAL_BINDINGS),
  tensorFromTexture: pass({ 'tensor_from_texture.wgsl': tensorFromTextureWgsl }, TENSOR_FROM_TEXTURE_BINDINGS),
  tensorToTexture: pass({ 'half_pixel_bilinear.wgsl': halfPixelBilinearWgsl, 'tensor_to_texture.wgsl': tensorToTextureWgsl }, TENSOR_TO_TEXTURE_BINDINGS),
  upsampleMask: pass({ 'upsample_mask.wgsl': upsampleMaskWgsl }, UPSAMPLE_MASK_BINDINGS),
};

describe('pass descriptions match their WGSL', () => {
  for (const [name, { code, bindings }] of Object.entries(PASSES)) {
    it(`${name}: every @group(0) binding described once, of the declared kind`, () => {
      const declared = Object.fromEntries(parseWgslBindings(name, code).map((b) => [b.name, b.binding]));
      expect(Object.keys(declared).length).toBeGreaterThan(0);
      expect(bindingNumbers(name, code, bindings)).toEqual(declared);
    });
  }

  it('covers every pass module in src/gpu/passes/', () => {
    const modules = Object.keys(import.meta.glob('../../src/gpu/passes/*.ts')).map((path) => path.replace(/^.*\/(\w+)\.ts$/, '$1'));
    // A module that runs two shaders has an entry per shader, `module:shader`.
    expect(modules.sort()).toEqual([...new Set(Object.keys(PASSES).map((key) => key.split(':')[0]))].sort());
  });

  it('covers every shader in shaders/ (plate_gain.wgsl and fullscreen.wgsl through the passes that prepend them)', () => {
    const shaders = readdirSync(fileURLToPath(new URL('../../shaders/', import.meta.url))).filter((f) => f.endsWith('.wgsl'));
    const covered = new Set(Object.values(PASSES).flatMap((p) => p.files));
    expect(shaders.filter((f) => !covered.has(f))).toEqual([]);
  });

  it('fails when a WGSL file gains a binding the pass does not describe', () => {
    const grown = `${temporalWgsl}\n@group(0) @binding(6) var extra: texture_2d<f32>;\n`;
    expect(() => bindingNumbers('temporal', grown, TEMPORAL_BINDINGS)).toThrow("temporal: WGSL binds 'extra' at @binding(6) but the pass does not describe it");
  });
});

describe('parseWgslBindings', () => {
  it('reads the declaration forms: var<uniform>, var<storage, …>, plain resource vars', () => {
    const code = `
      @group(0) @binding(0) var src: texture_2d<f32>;
      @group(0) @binding(1) var<storage, read> mask: array<f32>;
      @group(0) @binding(2) var<storage, read_write> out: array<atomic<u32>, 8>;
      @group(0) @binding(3) var<uniform> params: Params;
      @group(0) @binding(4) var dst: texture_storage_2d<rgba16float, write>;
      @group(0) @binding(5) var linearSampler: sampler;
      @group(0) @binding(6) var frame: texture_external;
      @group(0) @binding(7) var<storage> plain: array<u32>;
    `;
    expect(parseWgslBindings('forms', code)).toEqual([
      { name: 'src', group: 0, binding: 0, addressSpace: '', type: 'texture_2d<f32>' },
      { name: 'mask', group: 0, binding: 1, addressSpace: 'storage,read', type: 'array<f32>' },
      { name: 'out', group: 0, binding: 2, addressSpace: 'storage,read_write', type: 'array<atomic<u32>,8>' },
      { name: 'params', group: 0, binding: 3, addressSpace: 'uniform', type: 'Params' },
      { name: 'dst', group: 0, binding: 4, addressSpace: '', type: 'texture_storage_2d<rgba16float,write>' },
      { name: 'linearSampler', group: 0, binding: 5, addressSpace: '', type: 'sampler' },
      { name: 'frame', group: 0, binding: 6, addressSpace: '', type: 'texture_external' },
      { name: 'plain', group: 0, binding: 7, addressSpace: 'storage', type: 'array<u32>' },
    ]);
  });

  it('accepts attributes on separate lines, in either order, with any whitespace and suffixed literals', () => {
    const code = `
      @group(0)
      @binding(2)
      var<uniform>   params : Params ;
      @binding( 1 )  @group( 0 )
        var
        src:texture_2d< f32 >;
      @group(0u) @binding(0u) var<storage,read_write> out: array<f32>;
    `;
    expect(parseWgslBindings('layout', code).map(({ name, binding, type }) => ({ name, binding, type }))).toEqual([
      { name: 'params', binding: 2, type: 'Params' },
      { name: 'src', binding: 1, type: 'texture_2d<f32>' },
      { name: 'out', binding: 0, type: 'array<f32>' },
    ]);
  });

  it('skips comments, workgroup and private variables, locals and other attributes', () => {
    const code = `
      // @group(0) @binding(9) var old: texture_2d<f32>;
      /* @group(0) @binding(8) var older: sampler; /* nested */ still a comment */
      var<workgroup> tile: array<f32, 64>;
      var<private> seed: u32;
      @id(3) override W1: u32;
      @group(0) @binding(0) var src: texture_2d<f32>;  // trailing comment
      @compute @workgroup_size(8, 8)
      fn main(@builtin(global_invocation_id) id: vec3u) {
        var x: f32 = 0.0;
      }
    `;
    expect(parseWgslBindings('comments', code).map((b) => b.name)).toEqual(['src']);
  });

  it('refuses a duplicate binding number, a duplicate name, half an attribute pair and a non-literal', () => {
    expect(() => parseWgslBindings('dup', '@group(0) @binding(1) var a: sampler;\n@group(0) @binding(1) var b: sampler;')).toThrow(
      "dup: WGSL binds both 'a' and 'b' at @group(0) @binding(1)",
    );
    expect(() => parseWgslBindings('dup', '@group(0) @binding(1) var a: sampler;\n@group(0) @binding(2) var a: sampler;')).toThrow("dup: WGSL declares 'a' twice");
    expect(() => parseWgslBindings('half', '@binding(1) var a: sampler;')).toThrow("half: WGSL variable 'a' has @binding without @group");
    expect(() => parseWgslBindings('half', '@group(0) var a: sampler;')).toThrow("half: WGSL variable 'a' has @group without @binding");
    expect(() => parseWgslBindings('expr', '@group(0) @binding(N) var a: sampler;')).toThrow("expr: @binding(N) on 'a' is not an integer literal");
  });

  it('allows the same binding number in different groups (bindingNumbers then refuses the second group)', () => {
    const code = '@group(0) @binding(0) var a: sampler;\n@group(1) @binding(0) var b: sampler;';
    expect(parseWgslBindings('groups', code).map((b) => [b.name, b.group, b.binding])).toEqual([
      ['a', 0, 0],
      ['b', 1, 0],
    ]);
    expect(() => bindingNumbers('groups', code, { a: sampler(), b: sampler() })).toThrow("groups: WGSL binds 'b' in @group(1); a pass has one bind group, @group(0)");
  });
});

describe('bindingNumbers', () => {
  const code = `
    @group(0) @binding(3) var<uniform> params: Params;
    @group(0) @binding(0) var frame: texture_2d<f32>;
    @group(0) @binding(1) var dst: texture_storage_2d<r32float, write>;
  `;

  it('maps each described name to its WGSL binding', () => {
    expect(bindingNumbers('demo', code, { frame: texture(), dst: storageTexture('r32float'), params: uniform() })).toEqual({ frame: 0, dst: 1, params: 3 });
  });

  it('refuses a described name the WGSL does not bind', () => {
    const bindings = { frame: texture(), dst: storageTexture('r32float'), params: uniform(), mask: readStorage(), plate: texture() };
    expect(() => bindingNumbers('demo', code, bindings)).toThrow("demo: the pass describes 'mask', 'plate' but the WGSL does not bind them");
  });

  it('refuses a WGSL binding the description lacks', () => {
    expect(() => bindingNumbers('demo', code, { frame: texture(), params: uniform() })).toThrow("demo: WGSL binds 'dst' at @binding(1) but the pass does not describe it");
  });

  it('refuses a description of the wrong kind or storage format', () => {
    expect(() => bindingNumbers('demo', code, { frame: texture(), dst: storageTexture('rgba16float'), params: uniform() })).toThrow(
      "demo: 'dst' is described as storageTexture('rgba16float') (texture_storage_2d<rgba16float, write>) but the WGSL declares var dst: texture_storage_2d<r32float,write>",
    );
    expect(() => bindingNumbers('demo', code, { frame: texture(), dst: storageTexture('r32float'), params: storage() })).toThrow(/'params' is described as storage\(\)/);
    expect(() => bindingNumbers('demo', code, { frame: externalTexture(), dst: storageTexture('r32float'), params: uniform() })).toThrow(/'frame' is described as externalTexture\(\)/);
  });

  it('matches each builder to its WGSL form', () => {
    const forms = `
      @group(0) @binding(0) var a: texture_2d<f32>;
      @group(0) @binding(1) var b: texture_2d<f32>;
      @group(0) @binding(2) var c: texture_storage_2d<rgba8unorm, write>;
      @group(0) @binding(3) var d: texture_external;
      @group(0) @binding(4) var<uniform> e: vec4f;
      @group(0) @binding(5) var<storage, read_write> f: array<f32>;
      @group(0) @binding(6) var<storage, read> g: array<f32>;
      @group(0) @binding(7) var<storage> h: array<f32>;
      @group(0) @binding(8) var i: sampler;
    `;
    const bindings = {
      a: texture(),
      b: filteredTexture(),
      c: storageTexture('rgba8unorm'),
      d: externalTexture(),
      e: uniform(),
      f: storage(),
      g: readStorage(),
      h: readStorage(),
      i: sampler(),
    };
    expect(bindingNumbers('forms', forms, bindings)).toEqual({ a: 0, b: 1, c: 2, d: 3, e: 4, f: 5, g: 6, h: 7, i: 8 });
  });
});
