// Shared by rvm_fuse.wgsl and rvm_fill_core.wgsl (their wrappers prepend it): how much the
// coarse scale of Robust Video Matting may fill the fine one at a pixel, from its alpha c:
//   w = clamp((c − (1 − 2T)) / T, 0, 1)   (0 up to c = 0.90, 1 from c = 0.95; T = 0.05)
// and the fine alpha from which a pixel counts as already full (the fill would not raise it).

const T: f32 = 0.05;
const F_FULL: f32 = 0.99;

fn fillWeight(c: f32) -> f32 {
  return clamp((c - (1.0 - 2.0 * T)) / T, 0.0, 1.0);
}
