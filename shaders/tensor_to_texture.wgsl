// One channel of a planar NCHW float32 tensor [1, C, h, w] (a network output left on the GPU
// by onnxruntime-web) written into an r32float texture of any size, resampled bilinearly
// with align_corners = False (PyTorch's F.interpolate(mode='bilinear'), half-pixel centres,
// edges clamped; half_pixel_bilinear.wgsl is prepended) — the identity when the sizes agree.
// Optionally clamped to 0..1.

struct Params {
  channel: u32,
  width: u32,   // w
  height: u32,  // h
  clamp01: u32,
}

@group(0) @binding(0) var<storage, read> tensor: array<f32>;
@group(0) @binding(1) var dst: texture_storage_2d<r32float, write>;
@group(0) @binding(2) var<uniform> params: Params;

fn at(x: i32, y: i32) -> f32 {
  let cx = u32(clamp(x, 0, i32(params.width) - 1));
  let cy = u32(clamp(y, 0, i32(params.height) - 1));
  return tensor[(params.channel * params.height + cy) * params.width + cx];
}

@compute @workgroup_size(8, 8)
fn main(@builtin(global_invocation_id) id: vec3u) {
  let size = textureDimensions(dst);
  if (id.x >= size.x || id.y >= size.y) {
    return;
  }
  let b = halfPixelBilinear(id.xy, size, vec2u(params.width, params.height));
  let top = mix(at(b.base.x, b.base.y), at(b.base.x + 1, b.base.y), b.t.x);
  let bottom = mix(at(b.base.x, b.base.y + 1), at(b.base.x + 1, b.base.y + 1), b.t.x);
  var v = mix(top, bottom, b.t.y);
  if (params.clamp01 != 0u) {
    v = clamp(v, 0.0, 1.0);
  }
  textureStore(dst, id.xy, vec4f(v, 0.0, 0.0, 1.0));
}
