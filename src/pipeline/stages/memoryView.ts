// Stage `memory-view`: the `mem` debug view.
import type { BackgroundMemoryStage } from './backgroundMemory';
import type { FrameState, OutputStage } from '../stage';

/**
 * The `mem` view: the output becomes the background memory's view texture (what it learned
 * where it knows the background, the frame darkened and tinted purple where not; written by
 * the memory's update, shaders/background_memory.wgsl). Without a memory learning (the option
 * off, a captured plate, or a frame that needs no alpha) the composite stays.
 */
export class MemoryViewStage implements OutputStage {
  readonly name = 'memory-view';
  readonly timed = false;
  readonly output = true;
  readonly reads = ['frame'] as const;
  readonly writes = ['output'] as const;

  constructor(private readonly memory: BackgroundMemoryStage) {}

  enabled(frame: FrameState): boolean {
    return frame.view === 'mem' && frame.memoryLearns;
  }

  run(frame: FrameState): void {
    // The memory stage, earlier in the same frame, made its textures at this size.
    const view = this.memory.view;
    if (view) frame.encoder().copyTextureToTexture({ texture: view }, { texture: frame.textures.output }, [frame.width, frame.height]);
  }

  dispose(): void {
    // Owns nothing: the view texture is the memory stage's.
  }
}
