// Background memory update, one invocation per full-resolution pixel (after the temporal stage:
// alpha is this frame's composited matte). Per pixel the memory holds a running estimate of the
// background colour μ in the memory's own exposure (the frame divided by the global gain g of
// frame over memory, plate_gain.wgsl), the mean squared distance v of the observations from it
// (its noise), a confidence count n and the frames since it last matched (age, up to 2048).
//
// A pixel is observed only where it is confidently background: alpha < ALPHA_BG at the pixel
// and at 24 samples around it, ±margin and ±margin/2 in x and y (so hair, motion blur and the
// person's edge never reach the memory). The test is separable: background_margin.wgsl took the
// largest alpha of 5 samples along each row (rowMax), this pass the largest of 5 of those along
// the column. An observation s = min(I / g, 1), d = |s − μ|:
//   empty (n < 0.5) or reset:   μ = s, v = V0, n = 1, age = 0
//   matches (d ≤ T0 + 3√v):     w = 1 / min(n + 1, N_AVG); μ += w(s − μ); v += w(d² − v) (v clamped
//                               to V_MIN..V_MAX); n = min(n + 1, N_CAP); age = 0
//   differs:                    n = max(n − MISS_STEP, 0); when it reaches 0, μ = s, v = V0, n = 1
//                               (a passer-by costs a known pixel MISS_STEP per frame; a lasting
//                               change replaces it); age + 1
// Unobserved pixels keep μ, v, n; age + 1. A pixel is known when n ≥ N_KNOWN: seen alike over
// several frames, so a person walking through is not remembered.
// Seeded from a captured plate (reset = 2): the memory starts as the plate where it knows the
// pixel (a ≥ 0.5: μ = its colour, v = V0, n = N_CAP, age 0) and empty elsewhere, so it keeps the
// plate fresh — slow drift is averaged in, a lasting change replaces a pixel after N_CAP /
// MISS_STEP differing frames — and fills in what the plate did not know.
// Outputs: the next state (ping-pong), the memory as a plate (rgb μ, a = 1 where known, 0
// where not: the plate stages treat a < 0.5 as unknown), the `mem` view (μ where known, the
// frame darkened and tinted purple where not), and counters [observed, observed and known
// before, observed and known and differing, known after] (summed per workgroup, then added to the
// buffer's atomics; the caller clears them). The counters (params.count) and the view
// (params.view) are written only on the frames that need them.

struct Params {
  margin: i32,   // pixels
  reset: u32,    // 1: forget everything first; 2: start again from the seed plate
  count: u32,    // 1: add to the counters (the frames whose counters are read back); 0: leave them
  view: u32,     // 1: write the `mem` view; 0: leave it (nobody looks at it)
}

const ALPHA_BG: f32 = 0.1;
const T0: f32 = 0.04;
const V0: f32 = 3e-4;
const V_MIN: f32 = 1e-5;
const V_MAX: f32 = 0.01;
const N_AVG: f32 = 30.0;
const N_CAP: f32 = 60.0;
const N_KNOWN: f32 = 6.0;
const MISS_STEP: f32 = 2.0;
const AGE_CAP: f32 = 2048.0;  // float16 counts whole frames exactly up to 2048
const UNKNOWN_TINT: vec3f = vec3f(0.45, 0.1, 0.5);

@group(0) @binding(0) var frame: texture_2d<f32>;
@group(0) @binding(1) var rowMax: texture_2d<f32>;  // background_margin.wgsl's row maxima of alpha
@group(0) @binding(2) var colourIn: texture_2d<f32>;
@group(0) @binding(3) var countIn: texture_2d<f32>;
@group(0) @binding(4) var<storage, read> stats: array<u32, 8>;
@group(0) @binding(5) var colourOut: texture_storage_2d<rgba16float, write>;
@group(0) @binding(6) var countOut: texture_storage_2d<rgba16float, write>;
@group(0) @binding(7) var memPlate: texture_storage_2d<rgba8unorm, write>;
@group(0) @binding(8) var memView: texture_storage_2d<rgba8unorm, write>;
@group(0) @binding(9) var<storage, read_write> counters: array<atomic<u32>, 4>;
@group(0) @binding(10) var<uniform> params: Params;
@group(0) @binding(11) var seed: texture_2d<f32>;  // the captured plate (rgba8unorm, a ≥ 0.5 known), read when reset = 2

/** True where alpha is below ALPHA_BG at `pixel` and at the 24 samples of the margin around it. */
fn confidentBackground(pixel: vec2i, size: vec2i) -> bool {
  let step = max(params.margin / 2, 1);
  var m = 0.0;
  for (var ky = -2; ky <= 2; ky++) {
    m = max(m, textureLoad(rowMax, vec2i(pixel.x, clamp(pixel.y + ky * step, 0, size.y - 1)), 0).r);
  }
  return m < ALPHA_BG;
}

var<workgroup> tally: array<atomic<u32>, 4>;

/** The update of one pixel (see the header); adds its counts to the workgroup's tally. */
fn update(pixel: vec2i, size: vec2i) {
  let i = textureLoad(frame, pixel, 0).rgb;
  var c = textureLoad(colourIn, pixel, 0);
  var k = textureLoad(countIn, pixel, 0);
  if (params.reset == 1u) {
    c = vec4f(0.0);
    k = vec4f(0.0);
  } else if (params.reset == 2u) {
    let b = textureLoad(seed, pixel, 0);
    let known = b.a >= 0.5;
    c = select(vec4f(0.0), vec4f(b.rgb, V0), known);
    k = select(vec4f(0.0), vec4f(N_CAP, 0.0, 0.0, 1.0), known);
  }
  var mu = c.rgb;
  var v = c.a;
  var n = k.r;
  var age = k.g;
  let knownBefore = n >= N_KNOWN;
  if (confidentBackground(pixel, size)) {
    let s = min(i / plateGain(), vec3f(1.0));
    if (params.count == 1u) {
      atomicAdd(&tally[0], 1u);
      if (knownBefore) {
        atomicAdd(&tally[1], 1u);
      }
    }
    // Empty, or emptied by this differing observation: a new estimate from s.
    var fresh = n < 0.5;
    if (!fresh) {
      let d = length(s - mu);
      if (d <= T0 + 3.0 * sqrt(v)) {
        let w = 1.0 / min(n + 1.0, N_AVG);
        mu = mu + w * (s - mu);
        v = clamp(v + w * (d * d - v), V_MIN, V_MAX);
        n = min(n + 1.0, N_CAP);
        age = 0.0;
      } else {
        if (knownBefore && params.count == 1u) {
          atomicAdd(&tally[2], 1u);
        }
        n = max(n - MISS_STEP, 0.0);
        age = min(age + 1.0, AGE_CAP);
        fresh = n < 0.5;
      }
    }
    if (fresh) {
      mu = s;
      v = V0;
      n = 1.0;
      age = 0.0;
    }
  } else {
    age = min(age + 1.0, AGE_CAP);
  }
  let known = n >= N_KNOWN;
  if (known && params.count == 1u) {
    atomicAdd(&tally[3], 1u);
  }
  let shown = clamp(mu, vec3f(0.0), vec3f(1.0));
  textureStore(colourOut, pixel, vec4f(mu, v));
  textureStore(countOut, pixel, vec4f(n, age, 0.0, 1.0));
  textureStore(memPlate, pixel, vec4f(shown, select(0.0, 1.0, known)));
  if (params.view == 1u) {
    textureStore(memView, pixel, select(vec4f(0.25 * i + 0.75 * UNKNOWN_TINT, 1.0), vec4f(shown, 1.0), known));
  }
}

@compute @workgroup_size(8, 8)
fn main(@builtin(global_invocation_id) id: vec3u, @builtin(local_invocation_index) li: u32) {
  let counting = params.count == 1u;
  if (counting) {
    if (li < 4u) {
      atomicStore(&tally[li], 0u);
    }
    workgroupBarrier();
  }
  let size = vec2i(textureDimensions(frame));
  let pixel = vec2i(id.xy);
  if (pixel.x < size.x && pixel.y < size.y) {
    update(pixel, size);
  }
  if (counting) {
    workgroupBarrier();
    if (li < 4u) {
      atomicAdd(&counters[li], atomicLoad(&tally[li]));
    }
  }
}
