// Coarse stage at 1/4 resolution (BackgroundMattingV2's base scale): for each 4×4 block of
// the frame, from the upsampled segmentation prior p and, with a plate, the frame–plate
// difference, it writes
//   err:    the predicted error of p: max over the block of 1 − |2p − 1| (where p is unsure),
//           and with a plate also |mean p − a_d|, a_d = smoothstep(0.02, 0.08, mean excess),
//           where a pixel's excess is how far I lies from the gain-corrected plate beyond what
//           a misregistration of up to one pixel explains (see plateExcess);
//   fgSeed: (Ī·w, w), w = 1 where the whole block is confident foreground (min p > 0.95 and,
//           with a plate, mean excess > 0.06), else 0;
//   bgSeed: (Ī·w, w), w = 1 where the whole block is confident background (max p < 0.05);
//           with a plate, (gB̄, 1) everywhere.
// g is the plate gain ΣI/ΣB from plate_stats (1 without statistics). A block with a plate texel
// the plate does not know (a < 0.5: the background memory has not seen it) is computed as
// without a plate.

struct Params {
  hasPlate: u32,
}

const BLOCK: u32 = 4u;

@group(0) @binding(0) var frame: texture_2d<f32>;
@group(0) @binding(1) var plate: texture_2d<f32>;
@group(0) @binding(2) var prior: texture_2d<f32>;
@group(0) @binding(3) var<storage, read> stats: array<u32, 8>;
@group(0) @binding(4) var err: texture_storage_2d<r32float, write>;
@group(0) @binding(5) var fgSeed: texture_storage_2d<rgba16float, write>;
@group(0) @binding(6) var bgSeed: texture_storage_2d<rgba16float, write>;
@group(0) @binding(7) var<uniform> params: Params;


/**
 * How far the frame colour at `pixel` lies from the plate beyond shift and noise:
 * max(0, min_q |I − min(g·B(q), 1)| − (0.02 + 0.25·max_q |B(q) − B(pixel)|)), q over the 3×3
 * neighbourhood texels the plate knows (a ≥ 0.5; the caller's pixel itself is known). A plate captured up to a pixel off gives ≈ 0 even on textured background.
 */
fn plateExcess(pixel: vec2i, i: vec3f, g: vec3f, size: vec2i) -> f32 {
  let centre = min(g * textureLoad(plate, pixel, 0).rgb, vec3f(1.0));
  var nearest = 1e9;
  var spread = 0.0;
  for (var dy = -1; dy <= 1; dy++) {
    for (var dx = -1; dx <= 1; dx++) {
      let known = textureLoad(plate, clamp(pixel + vec2i(dx, dy), vec2i(0), size - 1), 0);
      // A neighbour the plate does not know (the background memory's a < 0.5) is no candidate.
      if (known.a < 0.5) {
        continue;
      }
      let b = min(g * known.rgb, vec3f(1.0));
      nearest = min(nearest, length(i - b));
      spread = max(spread, length(b - centre));
    }
  }
  return max(0.0, nearest - (0.02 + 0.25 * spread));
}

@compute @workgroup_size(8, 8)
fn main(@builtin(global_invocation_id) id: vec3u) {
  let coarseSize = textureDimensions(err);
  if (id.x >= coarseSize.x || id.y >= coarseSize.y) {
    return;
  }
  let size = textureDimensions(frame);
  let lo = id.xy * BLOCK;
  let hi = min(lo + BLOCK, size);
  var sumI = vec3f(0.0);
  var sumB = vec3f(0.0);
  var sumP = 0.0;
  var pMin = 1.0;
  var pMax = 0.0;
  var unsure = 0.0;
  var excess = 0.0;
  let g = plateGain();
  var known = 1.0;
  if (params.hasPlate == 1u) {
    for (var y = lo.y; y < hi.y; y++) {
      for (var x = lo.x; x < hi.x; x++) {
        known = min(known, textureLoad(plate, vec2u(x, y), 0).a);
      }
    }
  }
  let hasPlate = params.hasPlate == 1u && known >= 0.5;
  for (var y = lo.y; y < hi.y; y++) {
    for (var x = lo.x; x < hi.x; x++) {
      let p = textureLoad(prior, vec2u(x, y), 0).r;
      let iPixel = textureLoad(frame, vec2u(x, y), 0).rgb;
      sumI += iPixel;
      sumB += textureLoad(plate, vec2u(x, y), 0).rgb;
      if (hasPlate) {
        excess += plateExcess(vec2i(i32(x), i32(y)), iPixel, g, vec2i(size));
      }
      sumP += p;
      pMin = min(pMin, p);
      pMax = max(pMax, p);
      unsure = max(unsure, 1.0 - abs(2.0 * p - 1.0));
    }
  }
  let n = f32((hi.x - lo.x) * (hi.y - lo.y));
  let i = sumI / n;
  let pMean = sumP / n;
  var e = unsure;
  var fgW = select(0.0, 1.0, pMin > 0.95);
  var bg = vec4f(i * select(0.0, 1.0, pMax < 0.05), select(0.0, 1.0, pMax < 0.05));
  if (hasPlate) {
    let d = excess / n;
    e = max(e, abs(pMean - smoothstep(0.02, 0.08, d)));
    fgW = select(0.0, fgW, d > 0.06);
    bg = vec4f(g * sumB / n, 1.0);
  }
  textureStore(err, id.xy, vec4f(e, 0.0, 0.0, 1.0));
  textureStore(fgSeed, id.xy, vec4f(i * fgW, fgW));
  textureStore(bgSeed, id.xy, bg);
}
