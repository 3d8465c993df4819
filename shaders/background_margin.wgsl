// Background memory, first half of its margin test (the test is separable): per full-resolution
// pixel, the largest alpha at the 5 samples x + k·step, k = −2..2, along its row (clamped to the
// frame). The memory update (background_memory.wgsl) takes the largest of these at the 5 samples
// y + k·step along the column: below ALPHA_BG, every one of the 25 samples around the pixel is
// confidently background. 5 + 5 reads per pixel instead of 25.
//   alpha:  this frame's alpha (the temporal stage's alphaOut), r32float 0..1
//   rowMax: out, r32float, the row maximum (exact: no rounding between the two halves)

struct Params {
  step: i32,  // pixels between samples, ≥ 1 (half the memory's margin)
}

@group(0) @binding(0) var alpha: texture_2d<f32>;
@group(0) @binding(1) var rowMax: texture_storage_2d<r32float, write>;
@group(0) @binding(2) var<uniform> params: Params;

@compute @workgroup_size(8, 8)
fn main(@builtin(global_invocation_id) id: vec3u) {
  let size = vec2i(textureDimensions(alpha));
  let pixel = vec2i(id.xy);
  if (pixel.x >= size.x || pixel.y >= size.y) {
    return;
  }
  var m = 0.0;
  for (var k = -2; k <= 2; k++) {
    m = max(m, textureLoad(alpha, vec2i(clamp(pixel.x + k * params.step, 0, size.x - 1), pixel.y), 0).r);
  }
  textureStore(rowMax, pixel, vec4f(m, 0.0, 0.0, 1.0));
}
