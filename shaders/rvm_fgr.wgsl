// Robust Video Matting's foreground colour F at the frame's size. RVM's `fgr` and its input `src`
// at the scale it ran at give the residual F − I there; resampled bilinearly to the frame
// (align_corners = False: half-pixel centres, edges clamped; half_pixel_bilinear.wgsl is
// prepended) and added to the full-resolution
// frame I, it keeps the frame's detail and takes away the old background's colour mixed into
// the person's edge (which would otherwise show as a fringe over the new background):
//   F = clamp(I + s · bilinear(fgr − src), 0, 1)
//   s = clamp(f / max(p, 1e-3), 0, 1)
// with f the alpha of the scale the residual comes from and p the prior. Where the prior is
// that scale's own alpha, s = 1; where the coarse scale filled a hole the fine one left
// (shaders/rvm_fuse.wgsl), RVM's fgr there was never a foreground estimate (it is trained only
// where its alpha is above 0) and s goes to 0: the frame's colour serves.
// Inputs: fgr, src NHWC float32 [1, h, w, 3] in 0..1 (h, w in params); frame rgba8unorm, fine
// and prior r32float alpha in 0..1, all three the frame's size. Output: dst rgba8unorm, the
// frame's size, written in full: rgb = F, a = 0.5 (the network's F; the sparse refiner writes
// a = 1 over it on the tiles it refines, see shaders/composite.wgsl).

struct Params {
  width: u32,   // w
  height: u32,  // h
  _pad: vec2u,
}

const NETWORK_F: f32 = 0.5;

@group(0) @binding(0) var<storage, read> fgr: array<f32>;
@group(0) @binding(1) var<storage, read> src: array<f32>;
@group(0) @binding(2) var frame: texture_2d<f32>;
@group(0) @binding(3) var fine: texture_2d<f32>;
@group(0) @binding(4) var prior: texture_2d<f32>;
@group(0) @binding(5) var dst: texture_storage_2d<rgba8unorm, write>;
@group(0) @binding(6) var<uniform> params: Params;

fn residual(x: i32, y: i32) -> vec3f {
  let cx = u32(clamp(x, 0, i32(params.width) - 1));
  let cy = u32(clamp(y, 0, i32(params.height) - 1));
  let i = (cy * params.width + cx) * 3u;
  return vec3f(fgr[i] - src[i], fgr[i + 1u] - src[i + 1u], fgr[i + 2u] - src[i + 2u]);
}

@compute @workgroup_size(8, 8)
fn main(@builtin(global_invocation_id) id: vec3u) {
  let size = textureDimensions(dst);
  if (id.x >= size.x || id.y >= size.y) {
    return;
  }
  let b = halfPixelBilinear(id.xy, size, vec2u(params.width, params.height));
  let top = mix(residual(b.base.x, b.base.y), residual(b.base.x + 1, b.base.y), b.t.x);
  let bottom = mix(residual(b.base.x, b.base.y + 1), residual(b.base.x + 1, b.base.y + 1), b.t.x);
  let r = mix(top, bottom, b.t.y);
  let f = textureLoad(fine, id.xy, 0).r;
  let p = textureLoad(prior, id.xy, 0).r;
  let s = clamp(f / max(p, 1e-3), 0.0, 1.0);
  let image = textureLoad(frame, id.xy, 0).rgb;
  textureStore(dst, id.xy, vec4f(clamp(image + s * r, vec3f(0.0), vec3f(1.0)), NETWORK_F));
}
