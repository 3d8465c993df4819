// BackgroundMattingV2's learned refiner (Lin, Ryabtsev et al., "Real-Time High-Resolution
// Background Matting", CVPR 2021; model/refiner.py, kernel_size 3), sparse: one workgroup of
// 64 threads per selected 8×8 full-resolution tile (indirect dispatch over the tile list),
// i.e. 2×2 of the paper's 4×4 patches computed together (the same values: the paper's full
// mode equals its patch mode everywhere). Per tile at (tx, ty):
//   half resolution (H/2 × W/2): x = cat(hid[32], pha, fgr residual[3]) bilinearly resized
//     (align_corners=False) from the coarse size, and cat(src, bgr) resized the same way
//     (a 2×2 mean), on the 10×10 window at (4tx − 3, 4ty − 3), zeros outside the image (42 ch)
//     → conv1 3×3 valid 42→24 → ReLU (8×8) → conv2 24→16 → ReLU (6×6);
//   full resolution: nearest upsample ×2 (window 12×12 = conv2 output at (u/2, v/2)), cat with
//     cat(src, bgr) on the 12×12 window at (8tx − 2, 8ty − 2), zeros outside (22 ch)
//     → conv3 22→12 → ReLU (10×10) → conv4 12→4 (8×8) = [pha, fgr residual];
//   written: alpha = clamp(pha, 0, 1), fgr = (clamp(residual + src, 0, 1), 1) (a = 1 marks
//   refined pixels), pixels of the tile inside the frame only.
// BatchNorm is folded into the weights (src/models/bgmv2/refinerWeights.ts); they are packed per
// layer as [in][ky][kx][out] (four output channels per vec4), then the biases, at the vec4
// offsets given by the pipeline-overridable constants below.
// Workgroup memory: 14 160 bytes (WebGPU guarantees 16 384), so conv1's 42 input channels are
// staged in two halves of 21 and accumulated in registers.

struct Params {
  size: vec2u,    // W, H: full resolution (multiples of 4)
  coarse: vec2u,  // wc, hc: the coarse outputs' size
  ratio: vec2f,   // coarse size / half-resolution size, per axis (the bilinear resize's step)
}

override W1: u32;  // vec4 offsets of conv1..conv4 weights and of their biases
override W2: u32;
override W3: u32;
override W4: u32;
override B1: u32;
override B2: u32;
override B3: u32;
override B4: u32;

const CHUNK: u32 = 21u;     // conv1 input channels staged at a time
const HALF_SPAN: u32 = 10u; // half-resolution window side: 4 + 2·3
const FULL_SPAN: u32 = 12u; // full-resolution window side: 8 + 2·2
const HALF_AREA: u32 = 100u;
const FULL_AREA: u32 = 144u;

@group(0) @binding(0) var src: texture_2d<f32>;
@group(0) @binding(1) var bgr: texture_2d<f32>;
@group(0) @binding(2) var<storage, read> pha: array<f32>;  // [1,1,hc,wc]
@group(0) @binding(3) var<storage, read> fgr: array<f32>;  // [1,3,hc,wc] residual
@group(0) @binding(4) var<storage, read> hid: array<f32>;  // [1,32,hc,wc]
@group(0) @binding(5) var<storage, read> weights: array<vec4f>;
@group(0) @binding(6) var<storage, read> tiles: array<u32>;
@group(0) @binding(7) var<storage, read> dispatch: array<u32, 4>;  // [x, y, z, tile count]
@group(0) @binding(8) var alphaOut: texture_storage_2d<r32float, write>;
@group(0) @binding(9) var fgrOut: texture_storage_2d<rgba8unorm, write>;
@group(0) @binding(10) var<uniform> params: Params;

var<workgroup> stage: array<f32, 2100>;    // conv1 input (21 × 10 × 10), then conv1 output (24 × 8 × 8), then conv3 output (12 × 10 × 10)
var<workgroup> mid: array<f32, 576>;       // conv2 output, 16 × 6 × 6
var<workgroup> frameCrop: array<f32, 864>; // full-resolution cat(src, bgr), 6 × 12 × 12

fn inside(q: vec2i, size: vec2i) -> bool {
  return all(q >= vec2i(0)) && all(q < size);
}

/** Stages conv1 input channels [21·chunk, 21·chunk + 21) on the half-resolution window. */
fn stageHalf(chunk: u32, origin: vec2i, li: u32) {
  let half = vec2i(params.size / 2u);
  let cw = params.coarse.x;
  let last = params.coarse - 1u;
  let plane = params.coarse.x * params.coarse.y;
  for (var p = li; p < HALF_AREA; p += 64u) {
    let h = origin + vec2i(i32(p % HALF_SPAN), i32(p / HALF_SPAN));
    if (!inside(h, half)) {
      for (var k = 0u; k < CHUNK; k++) {
        stage[k * HALF_AREA + p] = 0.0;
      }
      continue;
    }
    // Bilinear taps, align_corners=False: source = (i + 0.5)·ratio − 0.5, clamped at 0.
    let s = max((vec2f(h) + 0.5) * params.ratio - 0.5, vec2f(0.0));
    let i0 = min(vec2u(s), last);
    let i1 = min(i0 + 1u, last);
    let f = s - vec2f(i0);
    let t00 = i0.y * cw + i0.x;
    let t10 = i0.y * cw + i1.x;
    let t01 = i1.y * cw + i0.x;
    let t11 = i1.y * cw + i1.x;
    // cat(src, bgr) at half resolution: the bilinear resize by 1/2 is the mean of each 2×2 block.
    var sb: array<f32, 6>;
    if (chunk == 1u) {
      let q = 2 * h;
      let s4 = textureLoad(src, q, 0).rgb + textureLoad(src, q + vec2i(1, 0), 0).rgb + textureLoad(src, q + vec2i(0, 1), 0).rgb + textureLoad(src, q + vec2i(1, 1), 0).rgb;
      let b4 = textureLoad(bgr, q, 0).rgb + textureLoad(bgr, q + vec2i(1, 0), 0).rgb + textureLoad(bgr, q + vec2i(0, 1), 0).rgb + textureLoad(bgr, q + vec2i(1, 1), 0).rgb;
      sb = array<f32, 6>(s4.r * 0.25, s4.g * 0.25, s4.b * 0.25, b4.r * 0.25, b4.g * 0.25, b4.b * 0.25);
    }
    for (var k = 0u; k < CHUNK; k++) {
      let ch = chunk * CHUNK + k;
      var v: f32;
      if (ch < 36u) {
        var corners: vec4f;
        if (ch < 32u) {
          let b = ch * plane;
          corners = vec4f(hid[b + t00], hid[b + t10], hid[b + t01], hid[b + t11]);
        } else if (ch == 32u) {
          corners = vec4f(pha[t00], pha[t10], pha[t01], pha[t11]);
        } else {
          let b = (ch - 33u) * plane;
          corners = vec4f(fgr[b + t00], fgr[b + t10], fgr[b + t01], fgr[b + t11]);
        }
        v = mix(mix(corners.x, corners.y, f.x), mix(corners.z, corners.w, f.x), f.y);
      } else {
        v = sb[ch - 36u];
      }
      stage[k * HALF_AREA + p] = v;
    }
  }
}

@compute @workgroup_size(64)
fn main(@builtin(workgroup_id) wg: vec3u, @builtin(local_invocation_index) li: u32) {
  // Workgroups are spread over x and y (at most 65535 each): tile index = y·65535 + x.
  let index = wg.y * 65535u + wg.x;
  if (index >= dispatch[3]) {
    return;
  }
  let packed = tiles[index];
  let tile = vec2i(i32(packed & 0xffffu), i32(packed >> 16u));
  let size = vec2i(params.size);

  // Full-resolution window of cat(src, bgr), zeros outside the frame.
  let fullOrigin = tile * 8 - 2;
  for (var p = li; p < FULL_AREA; p += 64u) {
    let q = fullOrigin + vec2i(i32(p % FULL_SPAN), i32(p / FULL_SPAN));
    var s = vec3f(0.0);
    var b = vec3f(0.0);
    if (inside(q, size)) {
      s = textureLoad(src, q, 0).rgb;
      b = textureLoad(bgr, q, 0).rgb;
    }
    frameCrop[p] = s.r;
    frameCrop[FULL_AREA + p] = s.g;
    frameCrop[2u * FULL_AREA + p] = s.b;
    frameCrop[3u * FULL_AREA + p] = b.r;
    frameCrop[4u * FULL_AREA + p] = b.g;
    frameCrop[5u * FULL_AREA + p] = b.b;
  }

  // conv1: thread li computes the 24 channels of output pixel (li % 8, li / 8), over two halves of the input.
  let o1 = vec2u(li % 8u, li / 8u);
  var acc1 = array<vec4f, 6>();
  for (var chunk = 0u; chunk < 2u; chunk++) {
    stageHalf(chunk, tile * 4 - 3, li);
    workgroupBarrier();
    for (var k = 0u; k < CHUNK; k++) {
      let ic = chunk * CHUNK + k;
      for (var ky = 0u; ky < 3u; ky++) {
        for (var kx = 0u; kx < 3u; kx++) {
          let v = stage[k * HALF_AREA + (o1.y + ky) * HALF_SPAN + o1.x + kx];
          let w = W1 + (ic * 9u + ky * 3u + kx) * 6u;
          for (var g = 0u; g < 6u; g++) {
            acc1[g] += weights[w + g] * v;
          }
        }
      }
    }
    workgroupBarrier();
  }
  for (var g = 0u; g < 6u; g++) {
    let r = max(acc1[g] + weights[B1 + g], vec4f(0.0));
    for (var j = 0u; j < 4u; j++) {
      stage[(4u * g + j) * 64u + li] = r[j];
    }
  }
  workgroupBarrier();

  // conv2: 6×6 outputs × 16 channels, one pixel per thread.
  if (li < 36u) {
    let o = vec2u(li % 6u, li / 6u);
    var acc = array<vec4f, 4>();
    for (var ic = 0u; ic < 24u; ic++) {
      for (var ky = 0u; ky < 3u; ky++) {
        for (var kx = 0u; kx < 3u; kx++) {
          let v = stage[ic * 64u + (o.y + ky) * 8u + o.x + kx];
          let w = W2 + (ic * 9u + ky * 3u + kx) * 4u;
          for (var g = 0u; g < 4u; g++) {
            acc[g] += weights[w + g] * v;
          }
        }
      }
    }
    for (var g = 0u; g < 4u; g++) {
      let r = max(acc[g] + weights[B2 + g], vec4f(0.0));
      for (var j = 0u; j < 4u; j++) {
        mid[(4u * g + j) * 36u + li] = r[j];
      }
    }
  }
  workgroupBarrier();

  // conv3: 10×10 outputs × 12 channels over cat(nearest ×2 of conv2, the frame window).
  for (var p = li; p < HALF_AREA; p += 64u) {
    let o = vec2u(p % 10u, p / 10u);
    var acc = array<vec4f, 3>();
    for (var ky = 0u; ky < 3u; ky++) {
      for (var kx = 0u; kx < 3u; kx++) {
        let u = o + vec2u(kx, ky);
        let k = ky * 3u + kx;
        let m = (u.y / 2u) * 6u + u.x / 2u;
        for (var ic = 0u; ic < 16u; ic++) {
          let v = mid[ic * 36u + m];
          let w = W3 + (ic * 9u + k) * 3u;
          acc[0] += weights[w] * v;
          acc[1] += weights[w + 1u] * v;
          acc[2] += weights[w + 2u] * v;
        }
        let c = u.y * FULL_SPAN + u.x;
        for (var ic = 0u; ic < 6u; ic++) {
          let v = frameCrop[ic * FULL_AREA + c];
          let w = W3 + ((16u + ic) * 9u + k) * 3u;
          acc[0] += weights[w] * v;
          acc[1] += weights[w + 1u] * v;
          acc[2] += weights[w + 2u] * v;
        }
      }
    }
    for (var g = 0u; g < 3u; g++) {
      let r = max(acc[g] + weights[B3 + g], vec4f(0.0));
      for (var j = 0u; j < 4u; j++) {
        stage[(4u * g + j) * HALF_AREA + p] = r[j];
      }
    }
  }
  workgroupBarrier();

  // conv4: the tile's 8×8 pixels × [pha, fgr residual], one pixel per thread.
  let o = vec2u(li % 8u, li / 8u);
  var out = weights[B4];
  for (var ic = 0u; ic < 12u; ic++) {
    for (var ky = 0u; ky < 3u; ky++) {
      for (var kx = 0u; kx < 3u; kx++) {
        out += weights[W4 + ic * 9u + ky * 3u + kx] * stage[ic * HALF_AREA + (o.y + ky) * 10u + o.x + kx];
      }
    }
  }
  let pixel = tile * 8 + vec2i(o);
  if (!inside(pixel, size)) {
    return;
  }
  let c = (o.y + 2u) * FULL_SPAN + o.x + 2u;
  let s = vec3f(frameCrop[c], frameCrop[FULL_AREA + c], frameCrop[2u * FULL_AREA + c]);
  textureStore(alphaOut, pixel, vec4f(clamp(out.x, 0.0, 1.0), 0.0, 0.0, 1.0));
  textureStore(fgrOut, pixel, vec4f(clamp(out.yzw + s, vec3f(0.0), vec3f(1.0)), 1.0));
}
