// Compositing: out = α·F + (1 − α)·B′ (render pass over a full-screen triangle: fullscreen.wgsl
// is prepended).
// F is fgr.rgb where a stage wrote it (fgr.a = 1: the refiner's tiles; fgr.a = 0.5: a
// network's F, shaders/rvm_fgr.wgsl) and the input frame elsewhere (fgr.a = 0), α the
// full-resolution alpha, and B′ depends on the mode:
//   blur:  the mask-weighted blur, B′ = (b.rgb + ε·F) / (b.a + ε), b sampled bilinearly
//   image: the background image (in `video` mode the background video's current frame),
//          cover-fitted: uv = pixel·bgScale + bgOffset
//   color: a solid colour
//   off:   the frame untouched (α ignored)
// `view` selects a debug output instead: 0 com, 1 pha (grey), 2 fgr (F), 3 err (the coarse
// stage's predicted error, nearest texel), 4 ref (the frame with refined pixels tinted red).

struct Params {
  color: vec4f,
  bgScale: vec2f,
  bgOffset: vec2f,
  mode: u32,  // 0 off, 1 blur, 2 image (and video), 3 color
  view: u32,
  _pad: vec2u,
}

const BLUR_EPS: f32 = 1e-3;

@group(0) @binding(0) var frame: texture_2d<f32>;
@group(0) @binding(1) var alpha: texture_2d<f32>;
@group(0) @binding(2) var blurred: texture_2d<f32>;
@group(0) @binding(3) var background: texture_2d<f32>;
@group(0) @binding(4) var linearSampler: sampler;
@group(0) @binding(5) var<uniform> params: Params;
@group(0) @binding(6) var fgr: texture_2d<f32>;
@group(0) @binding(7) var err: texture_2d<f32>;

@fragment
fn fs(@builtin(position) position: vec4f) -> @location(0) vec4f {
  let pixel = vec2u(position.xy);
  let size = vec2f(textureDimensions(frame));
  let refined = textureLoad(fgr, pixel, 0);
  let original = textureLoad(frame, pixel, 0).rgb;
  let f = select(original, refined.rgb, refined.a > 0.25);
  let a = textureLoad(alpha, pixel, 0).r;
  let errSize = vec2i(textureDimensions(err));
  let e = textureLoad(err, min(vec2i(pixel) * errSize / vec2i(size), errSize - 1), 0).r;
  let b = textureSampleLevel(blurred, linearSampler, position.xy / size, 0.0);
  let bgImage = textureSampleLevel(background, linearSampler, position.xy * params.bgScale + params.bgOffset, 0.0).rgb;
  if (params.view == 1u) {
    return vec4f(a, a, a, 1.0);
  }
  if (params.view == 2u) {
    return vec4f(f, 1.0);
  }
  if (params.view == 3u) {
    return vec4f(e, e, e, 1.0);
  }
  if (params.view == 4u) {
    return vec4f(select(original, 0.5 * original + vec3f(0.5, 0.0, 0.0), refined.a > 0.75), 1.0);
  }
  var bg = f;
  var aa = a;
  switch params.mode {
    case 1u: {
      bg = (b.rgb + BLUR_EPS * f) / (b.a + BLUR_EPS);
    }
    case 2u: {
      bg = bgImage;
    }
    case 3u: {
      bg = params.color.rgb;
    }
    default: {
      aa = 1.0;
    }
  }
  return vec4f(aa * f + (1.0 - aa) * bg, 1.0);
}
