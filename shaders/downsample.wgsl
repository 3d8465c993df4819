// Area (box) downsample of a rectangle of the input frame to the base resolution.
// With the rectangle (rx, ry, rw, rh) in source pixels, low-res texel (i, j) averages the
// source pixels x in [floor(rx + i·rw/w), max(floor(rx + (i+1)·rw/w), x0 + 1)) (clamped
// to the frame), likewise in y. Used as the low-resolution guide of the mask upsampling,
// for the whole frame and for the person's region of interest.

struct Params {
  rect: vec4f,  // x, y, width, height in source pixels
}

@group(0) @binding(0) var src: texture_2d<f32>;
@group(0) @binding(1) var dst: texture_storage_2d<rgba8unorm, write>;
@group(0) @binding(2) var<uniform> params: Params;

@compute @workgroup_size(8, 8)
fn main(@builtin(global_invocation_id) id: vec3u) {
  let dstSize = textureDimensions(dst);
  if (id.x >= dstSize.x || id.y >= dstSize.y) {
    return;
  }
  let srcMax = vec2i(textureDimensions(src)) - 1;
  let step = params.rect.zw / vec2f(dstSize);
  let lo = min(vec2i(floor(params.rect.xy + vec2f(id.xy) * step)), srcMax);
  let hi = min(max(vec2i(floor(params.rect.xy + vec2f(id.xy + 1u) * step)), lo + 1), srcMax + 1);
  var sum = vec4f(0.0);
  for (var y = lo.y; y < hi.y; y++) {
    for (var x = lo.x; x < hi.x; x++) {
      sum += textureLoad(src, vec2i(x, y), 0);
    }
  }
  textureStore(dst, id.xy, sum / f32((hi.x - lo.x) * (hi.y - lo.y)));
}
