// Fusion of the depth prior into the colour model's person confidence, in place, before the
// joint bilateral upsampling (upsample_mask.wgsl), so edges stay soft and the refiner still
// sees uncertainty at the boundary. Depth as the rough segmentation: Virtual Stage
// (Microsoft / Plain Concepts, 2020).
//
// The mask (row-major f32, maskWidth × maskHeight) covers `rect` of the colour frame; texel
// (i, j) covers the colour pixels [rx + i·rw/mw, rx + (i+1)·rw/mw) × (likewise in y). The
// registered depth (mm, 0 = no depth) and subject (1 = the depth sample landing there belongs
// to the depth-band subject) are read at SAMPLES × SAMPLES points of that footprint,
// p = rect.xy + (texel + (k + 0.5) / SAMPLES) · rect.zw / maskSize, at pixel floor(p)
// clamped to the image. With v = share of the points that have depth and s = mean subject
// over those points: fused = mix(c, s, weight · v). Where no point has depth (IR shadows
// beside the body, outside the depth camera's view) the colour confidence c is left as is.

struct Params {
  rect: vec4f,      // x, y, width, height in colour pixels that the mask covers
  weight: f32,      // 0..1: how far depth overrides the colour confidence where it covers the texel
  maskWidth: u32,
  maskHeight: u32,
}

const SAMPLES: i32 = 4;

@group(0) @binding(0) var<storage, read_write> mask: array<f32>;
@group(0) @binding(1) var depth: texture_2d<f32>;
@group(0) @binding(2) var subject: texture_2d<f32>;
@group(0) @binding(3) var<uniform> params: Params;

@compute @workgroup_size(8, 8)
fn main(@builtin(global_invocation_id) id: vec3u) {
  if (id.x >= params.maskWidth || id.y >= params.maskHeight) {
    return;
  }
  let size = vec2i(textureDimensions(depth));
  let step = params.rect.zw / vec2f(f32(params.maskWidth), f32(params.maskHeight));
  var hits = 0.0;
  var sum = 0.0;
  for (var j = 0; j < SAMPLES; j++) {
    for (var i = 0; i < SAMPLES; i++) {
      let offset = (vec2f(f32(i), f32(j)) + 0.5) / f32(SAMPLES);
      let p = params.rect.xy + (vec2f(id.xy) + offset) * step;
      let q = clamp(vec2i(floor(p)), vec2i(0), size - 1);
      if (textureLoad(depth, q, 0).r > 0.0) {
        hits += 1.0;
        sum += textureLoad(subject, q, 0).r;
      }
    }
  }
  if (hits > 0.0) {
    let index = id.y * params.maskWidth + id.x;
    let v = hits / f32(SAMPLES * SAMPLES);
    mask[index] = mix(mask[index], sum / hits, params.weight * v);
  }
}
