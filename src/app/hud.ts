import { LitElement, css, html, nothing } from 'lit';
import { customElement, property } from 'lit/decorators.js';
import type { MemoryStats, QualityLevel } from '../types/frame';
import type { ReplacerStats } from '../element/api';

const STAGES = ['import', 'segment', 'gpu', 'total'] as const;

/** Formats a duration in ms with one decimal, or a dash when unknown. */
function ms(value: number | undefined): string {
  return value === undefined ? '–' : value.toFixed(1);
}

/**
 * The adaptive-quality level as the HUD shows it: `full` at the best level or with adaptation
 * off, else `level k/n` (n − 1 the lowest).
 */
export function qualityLabel(q: QualityLevel): string {
  if (q.targetFps === 0) return 'full (fixed)';
  return q.level === 0 ? `full @ ${q.targetFps} fps` : `level ${q.level}/${q.levels - 1} @ ${q.targetFps} fps`;
}

function qualityTitle(q: QualityLevel): string {
  return q.targetFps === 0
    ? 'Adaptive quality is off (targetFps 0)'
    : `Holding ${q.targetFps} fps: level 0 is full quality; higher levels lower the base network's resolution on the person and the refine budget`;
}

/** The plate state in a few words: none, fits, stale, or set (not measured yet). */
export function plateLabel(stats: ReplacerStats | null): string {
  if (!stats?.plate) return 'none';
  const fit = stats.plateFit;
  if (!fit) return 'set';
  return `${fit.stale ? 'stale' : 'fits'} (×${fit.brightness.toFixed(2)}, Δ${fit.difference.toFixed(3)})`;
}

/**
 * The background memory in a few words: the share of the confident background it knows, in
 * whole percent, and `(not in use)` while frames do not use it as their plate (a captured plate
 * wins; too little known yet).
 */
export function memoryLabel(m: MemoryStats): string {
  return `${Math.round(m.known * 100)} % of background${m.inUse ? '' : ' (not in use)'}`;
}

function memoryTitle(m: MemoryStats): string {
  return `Background memory knows ${Math.round(m.coverage * 100)} % of the frame; started again ${m.resets} time${m.resets === 1 ? '' : 's'} (camera move, new source, lighting change)`;
}

/**
 * `<app-hud>`: a small overlay with fps, per-stage milliseconds of the last processed frame
 * (import, segment, gpu, total), dropped frames, the plate state (with its brightness ratio and
 * difference), what the background memory knows (when it is on), the share of pixels refined,
 * the renderer (webgpu or canvas2d), the GPU adapter and the backend.
 */
@customElement('app-hud')
export class AppHud extends LitElement {
  static override styles = css`
    :host {
      display: block;
      font: 12px/1.4 ui-monospace, SFMono-Regular, Menlo, Consolas, monospace;
      color: #f2f2f2;
      background: rgba(0, 0, 0, 0.55);
      padding: 6px 8px;
      border-radius: 4px;
      pointer-events: none;
    }
    dl {
      display: grid;
      grid-template-columns: auto auto;
      gap: 0 10px;
      margin: 0;
    }
    dt {
      opacity: 0.7;
    }
    dd {
      margin: 0;
      text-align: right;
    }
    dd.warn {
      color: #ffb74d;
    }
  `;

  @property({ attribute: false }) stats: ReplacerStats | null = null;

  override render() {
    const s = this.stats;
    return html`
      <dl data-testid="hud">
        <dt>fps</dt>
        <dd data-testid="hud-fps">${s ? s.fps : '–'}</dd>
        ${STAGES.map((stage) => html`<dt>${stage} ms</dt><dd data-testid="hud-${stage}">${ms(s?.last?.[stage])}</dd>`)}
        <dt>dropped</dt>
        <dd data-testid="hud-dropped">${s ? s.dropped : '–'}</dd>
        <dt>plate</dt>
        <dd data-testid="hud-plate" class=${s?.plateFit?.stale ? 'warn' : ''}>${plateLabel(s)}</dd>
        ${s?.memory ? html`<dt>memory</dt><dd data-testid="hud-memory" title=${memoryTitle(s.memory)}>${memoryLabel(s.memory)}</dd>` : nothing}
        ${s?.refine ? html`<dt>refined</dt><dd data-testid="hud-refined">${(s.refine.share * 100).toFixed(1)} %</dd>` : nothing}
        ${s?.quality ? html`<dt>quality</dt><dd data-testid="hud-quality" title=${qualityTitle(s.quality)}>${qualityLabel(s.quality)}</dd>` : nothing}
        <dt>engine</dt>
        <dd data-testid="hud-ready">${s?.ready ? 'ready' : 'not ready'}</dd>
        ${s?.renderer ? html`<dt>renderer</dt><dd data-testid="hud-renderer">${s.renderer}</dd>` : nothing}
        ${s?.adapter ? html`<dt>adapter</dt><dd data-testid="hud-adapter">${s.adapter}</dd>` : nothing}
        ${s?.backend ? html`<dt>backend</dt><dd data-testid="hud-backend">${s.backend}</dd>` : nothing}
      </dl>
    `;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'app-hud': AppHud;
  }
}
