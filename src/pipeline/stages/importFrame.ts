// Stage `import`: the frame into the frame texture I.
import type { FrameState, Stage } from '../stage';

/**
 * FrameInput → FrameTextures.frame (rgba8unorm, full resolution), as the input does it: a
 * browser VideoFrame through an external texture or an ImageBitmap copy
 * (src/worker/videoFrameInput.ts), a GPU texture by a copy (src/pipeline/textureInput.ts).
 * The input submits its own work (an external texture is only valid in the task that imported
 * it), so the frame's open encoder is submitted first.
 */
export class ImportFrameStage implements Stage {
  readonly name = 'import';
  readonly timed = true;
  readonly reads = ['input'] as const;
  readonly writes = ['frame'] as const;

  enabled(): boolean {
    return true;
  }

  /** @throws what the input's import throws */
  async run(frame: FrameState): Promise<void> {
    frame.submit();
    await frame.input.importInto(frame.textures.frame);
  }

  dispose(): void {}
}
