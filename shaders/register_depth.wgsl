// Azure Kinect depth → colour registration (reference: src/gpu/reference/registerDepth.ts,
// maths from the Azure Kinect Sensor SDK's src/transformation/{rgbz,intrinsic_transformation}.c).
//   splat:   one invocation per depth pixel (u, v) with depth d > 0 and a valid ray (x, y):
//            X_d = (x·d, y·d, d), X_c = R·X_d + t (mm), z = ⌊Z_c + 0.5⌋; its footprint is the
//            bounding box of its four corners (corner rays at the same d) projected into the
//            colour image: colour pixels with centres in [⌈min⌉, ⌈max⌉), at most 6×6 around the
//            projected centre; atomicMax of key = (0x7FFFFFFF − z)·2 + subject into the z-buffer
//            (0 = empty: the pass clears it with clearBuffer), so the nearest sample wins and the
//            subject wins on equal depth.
//   resolve: one invocation per colour pixel: z-buffer → depth (mm, 0 = none) and subject (0/1).
// Arithmetic is written out in scalars in the order of the reference (float32, no vector ops),
// so that both round alike.

struct Params {
  // Colour camera (pixels, SDK convention: (0,0) = centre of the top-left pixel).
  intr0: vec4f,   // cx, cy, fx, fy
  intr1: vec4f,   // k1, k2, k3, k4
  intr2: vec4f,   // k5, k6, codx, cody
  intr3: vec4f,   // p1, p2, metricRadius, footprint half-size (colour pixels)
  // Depth → colour: rows of R, w = t (mm).
  row0: vec4f,
  row1: vec4f,
  row2: vec4f,
  sizes: vec4u,   // depth width, depth height, colour width, colour height
  flags: vec4u,   // x: 1 = a subject mask was uploaded
}

@group(0) @binding(0) var<storage, read> depthWords: array<u32>;    // [Hd·Wd] uint16 mm, two per word, low half first
@group(0) @binding(1) var<storage, read> subjectWords: array<u32>;  // [Hd·Wd] uint8 0/1, four per word, low byte first
@group(0) @binding(2) var<storage, read> rays: array<vec2f>;        // [Hd, Wd] normalised rays of pixel centres, NaN = invalid
@group(0) @binding(3) var<storage, read> cornerRays: array<vec2f>;  // [Hd+1, Wd+1] rays of pixel corners, NaN = invalid
@group(0) @binding(4) var<storage, read_write> zbuffer: array<atomic<u32>>; // [Hc, Wc]
@group(0) @binding(5) var<uniform> params: Params;
@group(0) @binding(6) var depthOut: texture_storage_2d<r32float, write>;
@group(0) @binding(7) var subjectOut: texture_storage_2d<r32float, write>;

/** NaN test on the bits (a compiler may assume float NaNs away). */
fn isNan(x: f32) -> bool {
  return (bitcast<u32>(x) & 0x7fffffffu) > 0x7f800000u;
}

/** X_c = R·X_d + t, row by row as ((R0·x + R1·y) + R2·z) + t. */
fn toColor(p: vec3f) -> vec3f {
  let r0 = params.row0;
  let r1 = params.row1;
  let r2 = params.row2;
  let x = r0.x * p.x + r0.y * p.y + r0.z * p.z + r0.w;
  let y = r1.x * p.x + r1.y * p.y + r1.z * p.z + r1.w;
  let z = r2.x * p.x + r2.y * p.y + r2.z * p.z + r2.w;
  return vec3f(x, y, z);
}

/**
 * The SDK's transformation_project (Brown–Conrady): (u, v, 1) in colour pixels, or w = 0 when
 * z ≤ 0 or the normalised radius exceeds metricRadius.
 */
fn projectColor(p: vec3f) -> vec3f {
  if (!(p.z > 0.0)) {
    return vec3f(0.0);
  }
  let cx = params.intr0.x;
  let cy = params.intr0.y;
  let fx = params.intr0.z;
  let fy = params.intr0.w;
  let k1 = params.intr1.x;
  let k2 = params.intr1.y;
  let k3 = params.intr1.z;
  let k4 = params.intr1.w;
  let k5 = params.intr2.x;
  let k6 = params.intr2.y;
  let codx = params.intr2.z;
  let cody = params.intr2.w;
  let p1 = params.intr3.x;
  let p2 = params.intr3.y;
  let metricRadius = params.intr3.z;

  let xp = p.x / p.z - codx;
  let yp = p.y / p.z - cody;
  let xp2 = xp * xp;
  let yp2 = yp * yp;
  let xyp = xp * yp;
  let rs = xp2 + yp2;
  if (rs > metricRadius * metricRadius) {
    return vec3f(0.0);
  }
  let rss = rs * rs;
  let rsc = rss * rs;
  let a = 1.0 + k1 * rs + k2 * rss + k3 * rsc;
  let b = 1.0 + k4 * rs + k5 * rss + k6 * rsc;
  var bi = 1.0;
  if (b != 0.0) {
    bi = 1.0 / b;
  }
  let d = a * bi;
  let rs2xp2 = rs + 2.0 * xp2;
  let rs2yp2 = rs + 2.0 * yp2;
  let twoXyp = 2.0 * xyp;
  let xpd = xp * d + (rs2xp2 * p2 + twoXyp * p1);
  let ypd = yp * d + (rs2yp2 * p1 + twoXyp * p2);
  return vec3f((xpd + codx) * fx + cx, (ypd + cody) * fy + cy, 1.0);
}

fn depthAt(i: u32) -> u32 {
  return (depthWords[i >> 1u] >> ((i & 1u) * 16u)) & 0xffffu;
}

fn subjectAt(i: u32) -> u32 {
  if (params.flags.x == 0u) {
    return 0u;
  }
  return select(0u, 1u, ((subjectWords[i >> 2u] >> ((i & 3u) * 8u)) & 0xffu) != 0u);
}

@compute @workgroup_size(8, 8)
fn splat(@builtin(global_invocation_id) id: vec3u) {
  let wd = params.sizes.x;
  let hd = params.sizes.y;
  if (id.x >= wd || id.y >= hd) {
    return;
  }
  let i = id.y * wd + id.x;
  let d = f32(depthAt(i));
  if (d == 0.0) {
    return;
  }
  let ray = rays[i];
  if (isNan(ray.x) || isNan(ray.y)) {
    return;
  }
  let pc = toColor(vec3f(ray.x * d, ray.y * d, d));
  if (!(pc.z > 0.0)) {
    return;
  }
  let zMm = floor(pc.z + 0.5);
  if (zMm < 1.0) {
    return;
  }
  let centre = projectColor(pc);
  if (centre.z == 0.0) {
    return;
  }
  var lo = vec2f(3.4e38);
  var hi = vec2f(-3.4e38);
  for (var c = 0u; c < 4u; c++) {
    let k = (id.y + (c >> 1u)) * (wd + 1u) + id.x + (c & 1u);
    let cr = cornerRays[k];
    var q = centre.xy;
    if (!isNan(cr.x) && !isNan(cr.y)) {
      let pq = projectColor(toColor(vec3f(cr.x * d, cr.y * d, d)));
      if (pq.z != 0.0) {
        q = pq.xy;
      }
    }
    lo = min(lo, q);
    hi = max(hi, q);
  }
  let halfSize = params.intr3.w;
  let size = vec2i(params.sizes.zw);
  let first = max(max(vec2i(ceil(lo)), vec2i(ceil(centre.xy - halfSize))), vec2i(0));
  let end = min(min(vec2i(ceil(hi)), vec2i(ceil(centre.xy + halfSize))), size);
  let key = (0x7fffffffu - u32(zMm)) * 2u + subjectAt(i);
  for (var y = first.y; y < end.y; y++) {
    for (var x = first.x; x < end.x; x++) {
      atomicMax(&zbuffer[u32(y) * u32(size.x) + u32(x)], key);
    }
  }
}

@compute @workgroup_size(8, 8)
fn resolve(@builtin(global_invocation_id) id: vec3u) {
  let wc = params.sizes.z;
  let hc = params.sizes.w;
  if (id.x >= wc || id.y >= hc) {
    return;
  }
  let key = atomicLoad(&zbuffer[id.y * wc + id.x]);
  var depth = 0.0;
  var subject = 0.0;
  if (key != 0u) {
    depth = f32(0x7fffffffu - (key >> 1u));
    subject = f32(key & 1u);
  }
  textureStore(depthOut, id.xy, vec4f(depth, 0.0, 0.0, 1.0));
  textureStore(subjectOut, id.xy, vec4f(subject, 0.0, 0.0, 1.0));
}
