// The core of the region where Robust Video Matting's coarse scale may fill its fine one
// (rvm_fuse.wgsl), on a grid the coarse scale's size (e.g. 320×180). The region is a
// morphological opening: this pass erodes, rvm_fill_region.wgsl dilates the result, both by a
// disk of RADIUS texels. What is opened is the set of candidate texels, where the fill would
// raise alpha: fillWeight(c) > 0 and f < F_FULL (rvm_fill_ramp.wgsl), with c and f the two
// scales' alpha at the frame's pixel under the texel's centre, ((2t + 1)·size) / (2·grid) in
// integers. The opening drops the narrow parts of that set — the soft band along the person's
// edge and a gap between an arm and the body, which the coarse scale blurs over — and keeps
// wide holes of the fine scale (a dark jacket, a grey face patch).
// A texel is in the core when every texel within RADIUS of it is a candidate; texels outside the
// grid count as candidates (a hole may be cut by the frame's edge).
// Inputs: coarse, fine r32float alpha in 0..1 at the frame's size. Output: core r32float at the
// grid's size, 1 or 0, written in full.

override RADIUS: i32;

@group(0) @binding(0) var coarse: texture_2d<f32>;
@group(0) @binding(1) var fine: texture_2d<f32>;
@group(0) @binding(2) var core: texture_storage_2d<r32float, write>;

fn candidate(texel: vec2i, grid: vec2i, size: vec2i) -> bool {
  if (any(texel < vec2i(0)) || any(texel >= grid)) {
    return true;
  }
  let pixel = ((2 * texel + 1) * size) / (2 * grid);
  return fillWeight(textureLoad(coarse, pixel, 0).r) > 0.0 && textureLoad(fine, pixel, 0).r < F_FULL;
}

@compute @workgroup_size(8, 8)
fn main(@builtin(global_invocation_id) id: vec3u) {
  let grid = vec2i(textureDimensions(core));
  let size = vec2i(textureDimensions(fine));
  let texel = vec2i(id.xy);
  if (texel.x >= grid.x || texel.y >= grid.y) {
    return;
  }
  var inCore = 1.0;
  for (var dy = -RADIUS; dy <= RADIUS && inCore > 0.0; dy++) {
    for (var dx = -RADIUS; dx <= RADIUS; dx++) {
      if (dx * dx + dy * dy <= RADIUS * RADIUS && !candidate(texel + vec2i(dx, dy), grid, size)) {
        inCore = 0.0;
        break;
      }
    }
  }
  textureStore(core, texel, vec4f(inCore, 0.0, 0.0, 1.0));
}
