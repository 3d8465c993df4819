// Stage `light-wrap`: the new background's light over the person's edge.
import { parseHexColor } from '../../options';
import { coverFit } from '../../gpu/params/composite';
import { LIGHT_WRAP_MODES, lightWrapPlan, type LightWrapSource } from '../../gpu/params/lightWrap';
import { createGaussianBlurPass } from '../../gpu/passes/gaussianBlur';
import { createLightWrapPass } from '../../gpu/passes/lightWrap';
import { createLightWrapPreparePass } from '../../gpu/passes/lightWrapPrepare';
import { LazyPasses } from '../lazyPasses';
import { Memo } from '../memo';
import type { Binding, FrameState, OutputStage } from '../stage';

/** The stage's own textures for one frame size and factor: the blurred wrap and its ping-pong partner. */
interface WrapTextures {
  wrap: GPUTexture;
  scratch: GPUTexture;
}

interface Bound {
  prepare: Binding<typeof createLightWrapPreparePass>;
  horizontal: Binding<typeof createGaussianBlurPass>;
  vertical: Binding<typeof createGaussianBlurPass>;
  apply: Binding<typeof createLightWrapPass>;
}

/**
 * Light wrap (options.lightWrap, in image and colour modes, on the composite view): the new
 * background B′ where it shows around the person, (B′·(1 − α), 1 − α) at 1/factor of the frame
 * (shaders/light_wrap_prepare.wgsl), blurred by the Gaussian passes with sigma
 * LIGHT_WRAP_SIGMA_FRACTION of the frame height, then mixed over the composite:
 * out′ = mix(out, L, lightWrap · α · b) with L the blurred background and b its blurred weight
 * (shaders/light_wrap.wgsl) — the light of the new background bleeding onto the person's edge,
 * as Google Meet and Volcomix's virtual-background do. An output stage: read-backs of the
 * composite get it too. Its passes and textures are made on first use.
 */
export class LightWrapStage implements OutputStage {
  readonly name = 'light-wrap';
  readonly timed = true;
  readonly output = true;
  readonly reads = ['alphaOut', 'background', 'output'] as const;
  readonly writes = ['output'] as const;
  private readonly passes;
  private readonly textures = new Memo<WrapTextures>();
  private readonly bound = new Memo<Bound>();
  private owned: GPUTexture[] = [];
  /** The frame whose wrap texture is made (a read-back re-renders the output without making it again). */
  private preparedFor: { index: number; wrap: GPUTexture } | null = null;

  constructor(private readonly device: GPUDevice) {
    this.passes = new LazyPasses(() => ({
      prepare: createLightWrapPreparePass(device),
      horizontal: createGaussianBlurPass(device, 'horizontal'),
      vertical: createGaussianBlurPass(device, 'vertical'),
      apply: createLightWrapPass(device),
    }));
  }

  enabled(frame: FrameState): boolean {
    return frame.options.lightWrap > 0 && frame.view === 'com' && LIGHT_WRAP_MODES.includes(frame.options.mode);
  }

  run(frame: FrameState): void {
    const { options, background, textures: t } = frame;
    const passes = this.passes.get();
    const plan = lightWrapPlan(frame.height);
    const w = this.textures.get([t, plan.factor], () => this.makeTextures(frame.width, frame.height, plan.factor));
    const b = this.bound.get([w, background], () => ({
      prepare: passes.prepare.bind({ alpha: t.alphaOut, background, dst: w.wrap }),
      horizontal: passes.horizontal.bind({ src: w.wrap, dst: w.scratch }),
      vertical: passes.vertical.bind({ src: w.scratch, dst: w.wrap }),
      apply: passes.apply.bind({ alpha: t.alphaOut, wrap: w.wrap, output: t.output }),
    }));
    const encoder = frame.encoder();
    if (this.preparedFor?.index !== frame.index || this.preparedFor.wrap !== w.wrap) {
      const source: LightWrapSource = {
        useImage: options.mode === 'image' || options.mode === 'video',
        color: parseHexColor(options.color),
        ...coverFit(frame.width, frame.height, background.width, background.height),
      };
      passes.prepare.setParams(source, plan.factor);
      passes.horizontal.setSigma(plan.sigma);
      passes.vertical.setSigma(plan.sigma);
      passes.prepare.encode(encoder, b.prepare);
      passes.horizontal.encode(encoder, b.horizontal);
      passes.vertical.encode(encoder, b.vertical);
      this.preparedFor = { index: frame.index, wrap: w.wrap };
    }
    passes.apply.setStrength(options.lightWrap);
    passes.apply.encode(encoder, b.apply);
  }

  dispose(): void {
    this.textures.clear();
    this.bound.clear();
    this.destroyTextures();
    this.passes.dispose();
  }

  private makeTextures(width: number, height: number, factor: number): WrapTextures {
    this.destroyTextures();
    const make = (label: string): GPUTexture =>
      this.device.createTexture({
        label,
        size: [Math.ceil(width / factor), Math.ceil(height / factor)],
        format: 'rgba16float',
        usage: GPUTextureUsage.TEXTURE_BINDING | GPUTextureUsage.STORAGE_BINDING,
      });
    const wrap = make('light wrap');
    const scratch = make('light wrap scratch');
    this.owned = [wrap, scratch];
    return { wrap, scratch };
  }

  private destroyTextures(): void {
    for (const texture of this.owned) texture.destroy();
    this.owned = [];
  }
}
