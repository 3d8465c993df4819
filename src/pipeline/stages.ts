// The frame pipeline as an ordered table of stages: DESIGN.md's data flow, top to bottom.
// Each frame runs the stages whose enabled(frame) holds, in this order: the classic path
// (segmentation prior, classical matting), the RVM prior and the BackgroundMattingV2 path are here, and
// options, the plate, the model and the input (depth) switch their stages on and off.
import type { Stage } from './stage';
import { Bgmv2BaseStage } from './stages/bgmv2Base';
import { Bgmv2PriorStage } from './stages/bgmv2Prior';
import { BackgroundMemoryStage } from './stages/backgroundMemory';
import { BlurStage } from './stages/blur';
import { ClearRefinedStage } from './stages/clearRefined';
import { CoarseStage } from './stages/coarse';
import { CompositeStage } from './stages/composite';
import { DepthFusionStage } from './stages/depthFusion';
import { ImportFrameStage } from './stages/importFrame';
import { LightWrapStage } from './stages/lightWrap';
import { MemoryViewStage } from './stages/memoryView';
import { PlateStatsStage } from './stages/plateStats';
import { PriorOverruleStage } from './stages/priorOverrule';
import { RefineStage } from './stages/refine';
import { RefineLearnedStage } from './stages/refineLearned';
import { RegionOfInterestStage } from './stages/regionOfInterest';
import { RvmPriorStage } from './stages/rvmPrior';
import { SegmentStage } from './stages/segment';
import { StandingSplitStage } from './stages/standingSplit';
import { TemporalStage } from './stages/temporal';
import { UpsamplePriorStage } from './stages/upsamplePrior';

/** The stages of one pipeline: the table in order, and the ones the pipeline talks to by name. */
export interface FrameStages {
  readonly table: readonly Stage[];
  readonly roi: RegionOfInterestStage;
  readonly depth: DepthFusionStage;
  readonly plate: PlateStatsStage;
  readonly memory: BackgroundMemoryStage;
}

/** Creates every stage of the table on `device` (stages that few frames need create their passes on first use). */
export function createFrameStages(device: GPUDevice): FrameStages {
  const roi = new RegionOfInterestStage(device);
  const depth = new DepthFusionStage(device);
  const plate = new PlateStatsStage(device);
  const memory = new BackgroundMemoryStage(device);
  const table: Stage[] = [
    new ImportFrameStage(), //           input → frame
    new ClearRefinedStage(), //          nothing refined yet → fgr
    // The segmentation prior (classic path).
    new SegmentStage(device), //         frame → maskFull, guideLow
    new StandingSplitStage(device), //   options.standing, a standing framing → maskStage, guideStage
    roi, //                              otherwise the person's region → maskRoi, guideRoi
    depth, //                            Kinect depth fused into the masks
    new UpsamplePriorStage(device), //   masks → prior, edge-aware
    // Robust Video Matting's alpha as the prior instead (rvm path: options.matting, a model).
    new RvmPriorStage(device), //        frame → RVM → pha → prior, edge-aware
    // BackgroundMattingV2's coarse result (bgmv2 path: options.matting, a plate, a model).
    new Bgmv2BaseStage(device), //       frame, plate → coarse pha, fgr, err, hid
    new Bgmv2PriorStage(device), //      → prior, err
    // Matting.
    plate, //                            frame vs plate over the background → stats, plate fit
    new PriorOverruleStage(device), //   the memory as plate: known, matching background → prior 0
    new CoarseStage(device), //          → err, colour seeds and fills (classic)
    new RefineStage(device), //          selected tiles → alpha, fgr (classic)
    new RefineLearnedStage(device), //   selected tiles → alpha, fgr (bgmv2)
    new TemporalStage(device), //        alpha → alphaOut
    memory, //                           options.backgroundMemory: confident background → the memory (the next frames' plate)
    // The output.
    new BlurStage(device), //            blur mode's B′
    new CompositeStage(device), //       αF + (1 − α)B′ → output
    new LightWrapStage(device), //       options.lightWrap: B′'s light over the person's edge → output
    new MemoryViewStage(memory), //      view 'mem': the memory → output
  ];
  return { table, roi, depth, plate, memory };
}
