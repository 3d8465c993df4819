import type { QualitySettings } from '../types/frame';
import { ROI_PASSES } from './roi';

/** The pipeline's best quality level: every region-of-interest pass and the whole refine budget (the adaptive ladder's first step). */
export const FULL_QUALITY: Readonly<QualitySettings> = Object.freeze({ roiPasses: ROI_PASSES, budgetScale: 1 });
