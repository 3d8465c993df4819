// What the bench measures from outside the page, through DevTools: CPU time of the page's main
// thread, of its renderer process and of Chromium's GPU process; the JS heap of the page and of
// every worker; and, in the engine's worker, the WebGPU memory it holds.
import type { CDPSession, Page, Worker } from '@playwright/test';
import { attachWorkerSessions, type WorkerSessions } from '../cdpWorkers';
import type { CpuSample } from './figures';

/** JS heap in use, bytes. */
export interface HeapSample {
  page: number;
  /** Summed over the page's workers; null when a worker could not be asked. */
  workers: number | null;
  /** Workers asked, by script URL, with their heap (null where DevTools could not reach it). */
  perWorker: { url: string; bytes: number | null }[];
}

/** WebGPU buffers and textures the probed realm created and has not destroyed. */
export interface GpuMemorySample {
  /** Bytes live now: buffers by size, textures by size × format × mip levels × samples. */
  liveBytes: number;
  /** The most that was live at once. */
  peakBytes: number;
  buffers: number;
  textures: number;
  /** Textures of a format the probe has no size for (not in liveBytes). */
  unknownFormats: string[];
}

/** DevTools views of one page. */
export interface PageProbe {
  cpu(): Promise<CpuSample>;
  heap(): Promise<HeapSample>;
  /**
   * Installs the WebGPU memory probe in a worker (before it creates its device).
   * @throws Error when the worker cannot be evaluated in
   */
  installGpuMemoryProbe(worker: Worker): Promise<void>;
  /** The probe's figures; null when it was not installed. */
  gpuMemory(): Promise<GpuMemorySample | null>;
}

/**
 * Attaches DevTools to a fresh page (before it starts workers).
 * @param browserCdp a browser-level session (`browser.newBrowserCDPSession()`)
 */
export async function attachProbe(page: Page, browserCdp: CDPSession): Promise<PageProbe> {
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('Performance.enable');
  const sessions: WorkerSessions = await attachWorkerSessions(cdp);
  let probed: Worker | null = null;
  const metrics = async (): Promise<Record<string, number>> => Object.fromEntries((await cdp.send('Performance.getMetrics')).metrics.map((m) => [m.name, m.value]));
  return {
    async cpu() {
      const [m, processes] = await Promise.all([
        metrics(),
        browserCdp.send('SystemInfo.getProcessInfo') as Promise<{ processInfo: { type: string; id: number; cpuTime: number }[] }>,
      ]);
      const gpu = processes.processInfo.filter((p) => p.type === 'GPU');
      return { mainS: m.ThreadTime ?? Number.NaN, rendererS: m.ProcessTime ?? Number.NaN, gpuProcessS: gpu.length === 1 ? gpu[0]!.cpuTime : null };
    },
    async heap() {
      const pageBytes = (await metrics()).JSHeapUsedSize ?? Number.NaN;
      const perWorker: HeapSample['perWorker'] = [];
      for (const url of new Set(page.workers().map((w) => w.url()))) {
        const session = sessions.byUrl(url);
        const bytes = session ? (await session.send<{ usedSize: number }>('Runtime.getHeapUsage')).usedSize : null;
        perWorker.push({ url, bytes });
      }
      const workers = perWorker.every((w) => w.bytes !== null) ? perWorker.reduce((a, w) => a + w.bytes!, 0) : null;
      return { page: pageBytes, workers, perWorker };
    },
    async installGpuMemoryProbe(worker) {
      await worker.evaluate(`(() => { const __name = (fn) => fn; (${installGpuMemoryProbe.toString()})(); })()`);
      probed = worker;
    },
    async gpuMemory() {
      if (!probed) return null;
      return probed.evaluate(() => (globalThis as unknown as { __benchGpuMemory: () => GpuMemorySample }).__benchGpuMemory());
    },
  };
}

/**
 * Installed in a worker: wraps GPUDevice.prototype.createBuffer / createTexture and the
 * destroy() of buffers, textures and devices, and keeps the bytes of what is live. Objects are
 * held weakly (collected ones are subtracted). Self-contained: serialised into the worker.
 */
function installGpuMemoryProbe(): void {
  const g = globalThis as unknown as Record<string, unknown>;
  if (g.__benchGpuMemory || typeof GPUDevice === 'undefined') return;
  // Bytes per texel of the formats a pipeline like ours uses.
  const texel: Record<string, number> = {
    r8unorm: 1, r8snorm: 1, r8uint: 1, r8sint: 1,
    r16float: 2, r16uint: 2, r16sint: 2, rg8unorm: 2, rg8snorm: 2, rg8uint: 2, rg8sint: 2,
    r32float: 4, r32uint: 4, r32sint: 4, rg16float: 4, rg16uint: 4, rg16sint: 4,
    rgba8unorm: 4, 'rgba8unorm-srgb': 4, rgba8snorm: 4, rgba8uint: 4, rgba8sint: 4, bgra8unorm: 4, 'bgra8unorm-srgb': 4,
    rgb10a2unorm: 4, rg11b10ufloat: 4, depth32float: 4, depth24plus: 4, 'depth24plus-stencil8': 4,
    rg32float: 8, rg32uint: 8, rg32sint: 8, rgba16float: 8, rgba16uint: 8, rgba16sint: 8,
    rgba32float: 16, rgba32uint: 16, rgba32sint: 16,
  };
  const live = new Map<number, number>();
  const kindOf = new Map<number, 'buffer' | 'texture'>();
  const deviceOf = new Map<number, object>();
  const ids = new WeakMap<object, number>();
  const unknown = new Set<string>();
  let next = 1;
  let liveBytes = 0;
  let peak = 0;
  const gone = new FinalizationRegistry<number>((id) => release(id));
  function release(id: number): void {
    const bytes = live.get(id);
    if (bytes === undefined) return;
    live.delete(id);
    kindOf.delete(id);
    deviceOf.delete(id);
    liveBytes -= bytes;
  }
  function track(obj: object, device: object, kind: 'buffer' | 'texture', bytes: number): void {
    const id = next++;
    ids.set(obj, id);
    live.set(id, bytes);
    kindOf.set(id, kind);
    deviceOf.set(id, device);
    liveBytes += bytes;
    peak = Math.max(peak, liveBytes);
    gone.register(obj, id);
  }
  const dev = GPUDevice.prototype as unknown as Record<string, (...a: unknown[]) => unknown>;
  const createBuffer = dev.createBuffer!;
  const createTexture = dev.createTexture!;
  const destroyDevice = dev.destroy!;
  dev.createBuffer = function (this: object, desc: unknown) {
    const b = createBuffer.call(this, desc) as object;
    track(b, this, 'buffer', Number((desc as { size: number }).size));
    return b;
  };
  dev.createTexture = function (this: object, desc: unknown) {
    const t = createTexture.call(this, desc) as object;
    const d = desc as { size: number[] | { width: number; height?: number; depthOrArrayLayers?: number }; format: string; mipLevelCount?: number; sampleCount?: number };
    const [w, h, layers] = Array.isArray(d.size) ? [d.size[0] ?? 1, d.size[1] ?? 1, d.size[2] ?? 1] : [d.size.width, d.size.height ?? 1, d.size.depthOrArrayLayers ?? 1];
    const bpp = texel[d.format];
    if (bpp === undefined) {
      unknown.add(d.format);
      return t;
    }
    let bytes = 0;
    for (let l = 0; l < (d.mipLevelCount ?? 1); l++) bytes += Math.max(1, w >> l) * Math.max(1, h >> l) * layers * bpp;
    track(t, this, 'texture', bytes * (d.sampleCount ?? 1));
    return t;
  };
  dev.destroy = function (this: object) {
    for (const [id, device] of [...deviceOf]) if (device === this) release(id);
    return destroyDevice.call(this);
  };
  for (const proto of [GPUBuffer.prototype, GPUTexture.prototype] as unknown as Record<string, (...a: unknown[]) => unknown>[]) {
    const destroy = proto.destroy!;
    proto.destroy = function (this: object) {
      const id = ids.get(this);
      if (id !== undefined) release(id);
      return destroy.call(this);
    };
  }
  g.__benchGpuMemory = () => {
    let buffers = 0;
    let textures = 0;
    for (const k of kindOf.values()) if (k === 'buffer') buffers++;
    else textures++;
    return { liveBytes, peakBytes: peak, buffers, textures, unknownFormats: [...unknown] };
  };
}
