// The sparse refiner's parameters (shaders/refine_tiles.wgsl).

/** Parameters of the refiner (see shaders/refine_tiles.wgsl). */
export interface RefineParams {
  /** Colour distance (RGB units) at which foreground and plate are trusted half-way. */
  tau: number;
  /** Weight of the foreground-colour prior in the F estimate. */
  lambda: number;
  /** Guided-filter regulariser. */
  epsilon: number;
  /** With a plate: guided-filter the raw known-background matte (true), or keep it raw (tests of the raw rule). */
  filterPlate: boolean;
}

export const DEFAULT_REFINE_PARAMS: RefineParams = { tau: 0.1, lambda: 0.05, epsilon: 1e-3, filterPlate: true };
