// Shared by coarse.wgsl and refine_tiles.wgsl (their wrappers prepend it): the per-channel
// plate gain ΣI / ΣB over the background from plate_stats.wgsl, 1 with fewer than
// STATS_MIN_COUNT background blocks, and per channel where ΣB is 0. Needs a module-scope
// `stats: array<u32, 8>` in the including shader.

const STATS_MIN_COUNT: u32 = 16u;

fn plateGain() -> vec3f {
  if (stats[7] < STATS_MIN_COUNT) {
    return vec3f(1.0);
  }
  let i = vec3f(f32(stats[0]), f32(stats[1]), f32(stats[2]));
  let b = vec3f(f32(stats[3]), f32(stats[4]), f32(stats[5]));
  return select(vec3f(1.0), i / b, b > vec3f(0.0));
}
