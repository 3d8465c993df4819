// Motion-compensated temporal smoothing of alpha, against edge flicker on a person who moves a
// little all the time (a call):
//   α_t = α + k·(α_prev(p + o*) − α),  k = s·exp(−|D̄(o*)|² / (2σ²) − E(o*) / (2σ_m²)),
// where D̄(o) = the mean over the 3×3 neighbourhood N of p of I_t(q) − I_prev(q + o),
// E(o) = the mean of |I_t(q) − I_prev(q + o)|² over N, and o* the offset within ±R px (integer,
// row by row from (0, 0): the first of equal ones wins) with the smallest E (block matching);
// o* = (0, 0) without a search where E(0, 0) ≤ E_still = 1e-3 (still within sensor noise:
// about 0.018 per channel). σ = σ_person where min(α, α_prev(p + o*)) ≥ 0.5 (inside the person),
// σ_edge elsewhere (its edge and the background).
// Following the matched block, alpha is averaged along the motion of up to R px per frame, not
// across it: without the compensation a moving textured region (hair) gives k ≈ 0 and its flicker
// passes, or, with a looser σ, its edge lags. Taking the mean difference of the matched block
// keeps sensor noise (which averages out) from passing for motion; the loose test on E
// (σ_m = 0.1) keeps a block that does not match, but whose differences happen to cancel, from
// passing for still. The looser σ inside the person holds the segmenter's flicker in hair; the
// tighter one at the edge and on the background lets a wrong alpha there fade as fast as the
// frame says (where the person just left, the background's dark parts match the hair that was
// there). Where nothing within ±R matches (faster motion, a cut), k ≈ 0: α_t = α. Coordinates
// are clamped to the frame. `history` = 0 on the first frame after a reset (no previous frame):
// α_t = α.
// `compensate` = 0 (the stage's choice with a captured plate, whose matte flickers little while
// the stronger smoothing lags where the person moves fast): the pixel's own rule,
// k = s·exp(−|I_t(p) − I_prev(p)|² / (2σ²)) with α_prev(p), σ = `sigma`.

struct Params {
  strength: f32,   // s in 0..0.9
  sigma: f32,      // σ_person, RGB units
  sigmaEdge: f32,  // σ_edge, RGB units
  history: u32,
  compensate: u32,
}

const TILE: i32 = 8;
const R: i32 = 2;                  // search radius, px
const FRAME_SPAN: i32 = TILE + 2;  // the tile and its 3×3 neighbourhoods
const PREV_SPAN: i32 = FRAME_SPAN + 2 * R;
const MATCH: f32 = 0.1;            // σ_m, RGB units
const STILL: f32 = 1e-3;           // E_still, RGB units squared
const INSIDE: f32 = 0.5;           // α and α_prev(p + o*) at least this: inside the person

@group(0) @binding(0) var frame: texture_2d<f32>;
@group(0) @binding(1) var framePrev: texture_2d<f32>;
@group(0) @binding(2) var alpha: texture_2d<f32>;
@group(0) @binding(3) var alphaPrev: texture_2d<f32>;
@group(0) @binding(4) var alphaOut: texture_storage_2d<r32float, write>;
@group(0) @binding(5) var<uniform> params: Params;

var<workgroup> current: array<vec3f, FRAME_SPAN * FRAME_SPAN>;  // I_t around the tile
var<workgroup> previous: array<vec3f, PREV_SPAN * PREV_SPAN>;    // I_prev around the tile

@compute @workgroup_size(8, 8)
fn main(@builtin(workgroup_id) wg: vec3u, @builtin(local_invocation_id) lid: vec3u, @builtin(local_invocation_index) li: u32) {
  let size = vec2i(textureDimensions(alphaOut));
  let last = size - 1;
  let origin = vec2i(wg.xy) * TILE;
  let p = origin + vec2i(lid.xy);
  let history = params.history == 1u;
  // Every invocation takes part in the loads and the barrier, also those outside the frame.
  if (history) {
    for (var i = i32(li); i < PREV_SPAN * PREV_SPAN; i += TILE * TILE) {
      let q = clamp(origin + vec2i(i % PREV_SPAN, i / PREV_SPAN) - (1 + R), vec2i(0), last);
      previous[i] = textureLoad(framePrev, q, 0).rgb;
    }
    for (var i = i32(li); i < FRAME_SPAN * FRAME_SPAN; i += TILE * TILE) {
      let q = clamp(origin + vec2i(i % FRAME_SPAN, i / FRAME_SPAN) - 1, vec2i(0), last);
      current[i] = textureLoad(frame, q, 0).rgb;
    }
  }
  workgroupBarrier();
  if (p.x >= size.x || p.y >= size.y) {
    return;
  }
  let a = textureLoad(alpha, p, 0).r;
  var k = 0.0;
  var prev = 0.0;
  if (history && params.compensate == 0u) {
    let d = current[(i32(lid.y) + 1) * FRAME_SPAN + i32(lid.x) + 1] - previous[(i32(lid.y) + 1 + R) * PREV_SPAN + i32(lid.x) + 1 + R];
    prev = textureLoad(alphaPrev, p, 0).r;
    k = params.strength * exp(-dot(d, d) / (2.0 * params.sigma * params.sigma));
  } else if (history) {
    var best = 1e9;
    var bestMean = vec3f(0.0);
    var bestOffset = vec2i(0);
    let side = 2 * R + 1;
    for (var j = 0; j < side * side; j++) {
      // A block still within sensor noise is not searched further (most of a call's frame).
      if (j == 1 && best <= 9.0 * STILL) {
        break;
      }
      // Row by row from (0, 0): 0, 1, …, R, −R, …, −1 on each axis.
      let o = vec2i((j % side + R) % side - R, (j / side + R) % side - R);
      var ssd = 0.0;
      var sum = vec3f(0.0);
      for (var dy = 0; dy < 3; dy++) {
        for (var dx = 0; dx < 3; dx++) {
          let c = vec2i(lid.xy) + vec2i(dx, dy);
          let q = c + R + o;
          let e = current[c.y * FRAME_SPAN + c.x] - previous[q.y * PREV_SPAN + q.x];
          sum += e;
          ssd += dot(e, e);
        }
      }
      if (ssd < best) {
        best = ssd;
        bestMean = sum / 9.0;
        bestOffset = o;
      }
    }
    prev = textureLoad(alphaPrev, clamp(p + bestOffset, vec2i(0), last), 0).r;
    let sigma = select(params.sigmaEdge, params.sigma, min(a, prev) >= INSIDE);
    k = params.strength * exp(-dot(bestMean, bestMean) / (2.0 * sigma * sigma) - (best / 9.0) / (2.0 * MATCH * MATCH));
  }
  textureStore(alphaOut, p, vec4f(a + k * (prev - a), 0.0, 0.0, 1.0));
}
