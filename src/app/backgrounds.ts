/** A built-in background, drawn procedurally (the app ships no image assets). */
export interface BuiltinBackground {
  id: string;
  label: string;
  /** blob: URL of a 1280×720 PNG; valid for the page's lifetime. */
  url: string;
}

/** The built-in background video (`video` mode): made by scripts/make-background-loop.ts, served from public/. */
export const BUILTIN_VIDEO = { id: 'waves', label: 'Colour waves', path: 'backgrounds/loop.webm' } as const;

/** The built-in background video's URL under the app's base. */
export function builtinVideoUrl(): string {
  return new URL(BUILTIN_VIDEO.path, new URL(import.meta.env.BASE_URL, location.href)).href;
}

const WIDTH = 1280;
const HEIGHT = 720;

type Painter = (ctx: CanvasRenderingContext2D) => void;

const PAINTERS: readonly { id: string; label: string; paint: Painter }[] = [
  { id: 'studio', label: 'Studio', paint: paintStudio },
  { id: 'sunset', label: 'Sunset', paint: paintSunset },
  { id: 'ocean', label: 'Ocean', paint: paintOcean },
  { id: 'bokeh', label: 'Bokeh', paint: paintBokeh },
];

/**
 * Draws the built-in backgrounds once and returns them as blob URLs.
 * @throws Error when a canvas cannot be created or encoded (out of memory)
 */
export async function createBuiltinBackgrounds(): Promise<BuiltinBackground[]> {
  return Promise.all(PAINTERS.map(async ({ id, label, paint }) => ({ id, label, url: await draw(paint) })));
}

async function draw(paint: Painter): Promise<string> {
  const canvas = document.createElement('canvas');
  canvas.width = WIDTH;
  canvas.height = HEIGHT;
  const ctx = canvas.getContext('2d');
  if (!ctx) throw new Error('A 2D canvas is needed to draw the built-in backgrounds.');
  paint(ctx);
  const blob = await new Promise<Blob | null>((resolve) => canvas.toBlob(resolve, 'image/png'));
  if (!blob) throw new Error('A built-in background could not be encoded.');
  return URL.createObjectURL(blob);
}

/** Soft grey studio backdrop: radial light with a vignette. */
function paintStudio(ctx: CanvasRenderingContext2D): void {
  const g = ctx.createRadialGradient(WIDTH * 0.5, HEIGHT * 0.4, 40, WIDTH * 0.5, HEIGHT * 0.5, WIDTH * 0.7);
  g.addColorStop(0, '#d9dde3');
  g.addColorStop(0.6, '#8a929c');
  g.addColorStop(1, '#3b4048');
  ctx.fillStyle = g;
  ctx.fillRect(0, 0, WIDTH, HEIGHT);
}

/** Warm sky gradient with a low sun and a dark horizon. */
function paintSunset(ctx: CanvasRenderingContext2D): void {
  const sky = ctx.createLinearGradient(0, 0, 0, HEIGHT);
  sky.addColorStop(0, '#2b1b4f');
  sky.addColorStop(0.45, '#c2456b');
  sky.addColorStop(0.75, '#f59e4c');
  sky.addColorStop(1, '#ffd58a');
  ctx.fillStyle = sky;
  ctx.fillRect(0, 0, WIDTH, HEIGHT);
  const sun = ctx.createRadialGradient(WIDTH * 0.7, HEIGHT * 0.78, 0, WIDTH * 0.7, HEIGHT * 0.78, 160);
  sun.addColorStop(0, 'rgba(255, 245, 200, 1)');
  sun.addColorStop(1, 'rgba(255, 245, 200, 0)');
  ctx.fillStyle = sun;
  ctx.fillRect(0, 0, WIDTH, HEIGHT);
  ctx.fillStyle = '#1d1330';
  ctx.fillRect(0, HEIGHT * 0.88, WIDTH, HEIGHT * 0.12);
}

/** Blue sea gradient with gentle wave lines. */
function paintOcean(ctx: CanvasRenderingContext2D): void {
  const sea = ctx.createLinearGradient(0, 0, 0, HEIGHT);
  sea.addColorStop(0, '#9fd3f0');
  sea.addColorStop(0.4, '#3d8fc4');
  sea.addColorStop(1, '#0d3557');
  ctx.fillStyle = sea;
  ctx.fillRect(0, 0, WIDTH, HEIGHT);
  ctx.strokeStyle = 'rgba(255, 255, 255, 0.18)';
  ctx.lineWidth = 3;
  for (let y = HEIGHT * 0.42; y < HEIGHT; y += 36) {
    ctx.beginPath();
    for (let x = 0; x <= WIDTH; x += 16) ctx.lineTo(x, y + Math.sin(x / 70 + y) * 6);
    ctx.stroke();
  }
}

/** Dark background with soft out-of-focus light discs (deterministic). */
function paintBokeh(ctx: CanvasRenderingContext2D): void {
  ctx.fillStyle = '#14161c';
  ctx.fillRect(0, 0, WIDTH, HEIGHT);
  let seed = 7;
  const random = (): number => {
    seed = (seed * 16807) % 2147483647;
    return seed / 2147483647;
  };
  const hues = [35, 45, 200, 320];
  for (let i = 0; i < 60; i++) {
    const x = random() * WIDTH;
    const y = random() * HEIGHT;
    const r = 20 + random() * 70;
    const hue = hues[i % hues.length] as number;
    const disc = ctx.createRadialGradient(x, y, 0, x, y, r);
    disc.addColorStop(0, `hsla(${hue}, 80%, 70%, 0.35)`);
    disc.addColorStop(0.8, `hsla(${hue}, 80%, 60%, 0.2)`);
    disc.addColorStop(1, `hsla(${hue}, 80%, 60%, 0)`);
    ctx.fillStyle = disc;
    ctx.beginPath();
    ctx.arc(x, y, r, 0, Math.PI * 2);
    ctx.fill();
  }
}
