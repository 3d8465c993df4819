// One direction of a separable Gaussian blur over premultiplied (rgb·w, w) texels.
// out(p) = Σ_{k=-r..r} g(k) · in(clamp(p + k·dir)) / Σ g(k),  g(k) = exp(-k²/2σ²), r = ceil(3σ).

struct Params {
  direction: vec2i,  // (1, 0) horizontal or (0, 1) vertical
  sigma: f32,        // in texels of this texture
  radius: i32,
}

@group(0) @binding(0) var src: texture_2d<f32>;
@group(0) @binding(1) var dst: texture_storage_2d<rgba16float, write>;
@group(0) @binding(2) var<uniform> params: Params;

@compute @workgroup_size(8, 8)
fn main(@builtin(global_invocation_id) id: vec3u) {
  let size = vec2i(textureDimensions(dst));
  let p = vec2i(id.xy);
  if (p.x >= size.x || p.y >= size.y) {
    return;
  }
  let inv = 1.0 / (2.0 * params.sigma * params.sigma);
  var acc = vec4f(0.0);
  var norm = 0.0;
  for (var k = -params.radius; k <= params.radius; k++) {
    let g = exp(-f32(k * k) * inv);
    let q = clamp(p + k * params.direction, vec2i(0), size - 1);
    acc += g * textureLoad(src, q, 0);
    norm += g;
  }
  textureStore(dst, p, acc / norm);
}
