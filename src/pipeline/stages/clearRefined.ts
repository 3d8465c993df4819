// Stage `clear-fgr`: a new frame has no refined pixels yet.
import { Memo } from '../memo';
import type { FrameState, Stage } from '../stage';

/**
 * Clears FrameTextures.fgr to (0, 0, 0, 0): `fgr.a = 0` means "no F estimated", so the composite
 * takes F from the frame wherever neither this frame's refiner (a = 1) nor a network's
 * foreground (the RVM stage, a = 0.5) writes. Runs every frame (the
 * composite reads fgr in every mode), whether or not a refine stage runs.
 */
export class ClearRefinedStage implements Stage {
  readonly name = 'clear-fgr';
  readonly timed = false;
  readonly reads = [] as const;
  readonly writes = ['fgr'] as const;
  private readonly view = new Memo<GPUTextureView>();

  enabled(): boolean {
    return true;
  }

  run(frame: FrameState): void {
    const fgr = frame.textures.fgr;
    const view = this.view.get([fgr], () => fgr.createView());
    frame.encoder().beginRenderPass({ colorAttachments: [{ view, loadOp: 'clear', storeOp: 'store', clearValue: [0, 0, 0, 0] }] }).end();
  }

  dispose(): void {
    this.view.clear();
  }
}
