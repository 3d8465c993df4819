// The region where Robust Video Matting's coarse scale may fill its fine one: rvm_fill_core.wgsl's
// core dilated by the same disk of RADIUS texels (together a morphological opening of where
// the fill would raise alpha). A texel is in the region when a core texel lies within RADIUS
// of it; texels outside the grid are not core.
// Input: core r32float 1/0 on the grid. Output: region r32float 1/0, the grid's size, written in full.

override RADIUS: i32;

@group(0) @binding(0) var core: texture_2d<f32>;
@group(0) @binding(1) var region: texture_storage_2d<r32float, write>;

@compute @workgroup_size(8, 8)
fn main(@builtin(global_invocation_id) id: vec3u) {
  let grid = vec2i(textureDimensions(region));
  let texel = vec2i(id.xy);
  if (texel.x >= grid.x || texel.y >= grid.y) {
    return;
  }
  var inRegion = 0.0;
  for (var dy = -RADIUS; dy <= RADIUS && inRegion == 0.0; dy++) {
    for (var dx = -RADIUS; dx <= RADIUS; dx++) {
      let q = texel + vec2i(dx, dy);
      if (dx * dx + dy * dy <= RADIUS * RADIUS && all(q >= vec2i(0)) && all(q < grid) && textureLoad(core, q, 0).r > 0.5) {
        inRegion = 1.0;
        break;
      }
    }
  }
  textureStore(region, texel, vec4f(inRegion, 0.0, 0.0, 1.0));
}
