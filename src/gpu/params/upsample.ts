// The joint bilateral mask upsampling's parameters (shaders/upsample_mask.wgsl).

/** Parameters of the joint bilateral mask upsampling. */
export interface UpsampleMaskParams {
  /** Spatial sigma in low-res texels. */
  sigmaSpatial: number;
  /** Range sigma in RGB units (0..1). */
  sigmaRange: number;
  /** Taps span [-radius+1, radius] around floor(P) in each axis. */
  radius: number;
  /** Width in full-res pixels of the blend at ROI edges inside the frame. */
  feather: number;
}

/** Default joint-bilateral parameters: 4×4 taps, σs = 1 low-res texel, σr = 0.1, 8-pixel feather. */
export const DEFAULT_UPSAMPLE_PARAMS: UpsampleMaskParams = { sigmaSpatial: 1, sigmaRange: 0.1, radius: 2, feather: 8 };
