// One channel of a planar NCHW float32 tensor [1, C, h, w] (a network output left on the GPU
// by onnxruntime-web) written into an r32float texture of any size, resampled bilinearly
// with align_corners = False (PyTorch's F.interpolate(mode='bilinear'), half-pixel centres,
// edges clamped) — the identity when the sizes agree. Optionally clamped to 0..1.

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
  let scale = vec2f(f32(params.width), f32(params.height)) / vec2f(size);
  let pos = max((vec2f(id.xy) + 0.5) * scale - 0.5, vec2f(0.0));
  let base = vec2i(floor(pos));
  let f = pos - vec2f(base);
  let top = mix(at(base.x, base.y), at(base.x + 1, base.y), f.x);
  let bottom = mix(at(base.x, base.y + 1), at(base.x + 1, base.y + 1), f.x);
  var v = mix(top, bottom, f.y);
  if (params.clamp01 != 0u) {
    v = clamp(v, 0.0, 1.0);
  }
  textureStore(dst, id.xy, vec4f(v, 0.0, 0.0, 1.0));
}
