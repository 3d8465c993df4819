// Runs the soak: the soak page (test/soak/soak.html) in headless Chromium, with a probe in the
// page and in every worker (scripts/lib/soakProbe.ts), measured after the warm-up and at the
// end. See scripts/soak.ts for the command and the checks.
import { loadavg } from 'node:os';
import type { Page, Worker } from '@playwright/test';
import { launchChromium } from './browser';
import { attachWorkerSessions, type WorkerSessions } from './cdpWorkers';
import { startReplayServer } from './replayServer';
import { probeScript, type ProbeSnapshot, type SoakProbe } from './soakProbe';
import type { SoakConfig, SoakEnd, SoakStart } from './soakProtocol';

/** What one soak run needs. */
export interface SoakRunOptions {
  config: SoakConfig;
  /** Use the machine's GPU (Vulkan) instead of SwiftShader. */
  gpu: boolean;
  /** Fails the run after this long (ms). */
  timeoutMs: number;
  /** Receives a progress line every 30 s. */
  onProgress?(line: string): void;
}

/** One realm's figures at one measurement. */
export interface RealmMeasurement extends ProbeSnapshot {
  /** JS heap used after a forced GC (bytes). */
  heapUsed: number;
  heapSource: 'performance.memory' | 'Runtime.getHeapUsage';
}

/**
 * Every realm measured at one moment, after `gc()` in each (twice), the totals summed over
 * the realms.
 */
export interface Measurement {
  realms: RealmMeasurement[];
  /** JS heap used, bytes. */
  heapUsed: number;
  /** VideoFrames counted in and not out, plus those counted out but still open. */
  liveVideoFrames: number;
  /** VideoFrames the probes saw garbage-collected without being closed, transferred or written. */
  collectedUnclosed: number;
  /** VideoFrames released without having been counted in (a source the probes do not hook). */
  releasedUnseen: number;
  /** VideoFrames counted in since the probes were installed. */
  framesCounted: number;
  gpu: { buffers: number; textures: number };
}

/** What a soak run found. */
export interface SoakRunReport {
  start: SoakStart;
  end: SoakEnd;
  startMeasurement: Measurement;
  endMeasurement: Measurement;
  /** Chrome's console warnings "A VideoFrame was garbage collected without being closed", from any realm. */
  gcWarnings: number;
  /** Uncaught errors of the page and its workers. */
  pageErrors: string[];
  /** Console warnings and errors of the page and its workers, by text (the first CONSOLE_KEPT texts). */
  console: { type: string; text: string; count: number }[];
  /** Wall time from opening the page to the end measurement, seconds. */
  runtimeS: number;
  /** Where the time went, seconds: opening the page to the start measurement, the run, stopping to the end measurement. */
  phasesS: { warmup: number; run: number; end: number };
  /** The machine's 1-minute load average after the warm-up and after the run (other work slows the run down). */
  loadAverage: { start: number; end: number };
}

/** Chrome reports frames collected unclosed from a timer that runs every 10 s; waiting this long after the last GC catches them. */
const LEAK_AUDIT_MS = 11_000;
const PROGRESS_MS = 30_000;
const GC_WARNING = /VideoFrame was garbage collected without being closed/;
const CONSOLE_KEPT = 20;

/** The page or a worker: where a probe runs. */
type Realm = Pick<Worker, 'evaluate' | 'url'>;

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** "engine" for …/engine.worker.ts?worker_file…, else the URL. */
function workerLabel(url: string): string {
  return /([\w-]+)\.worker\.[jt]s/.exec(url)?.[1] ?? url;
}

/**
 * Runs the soak page once and measures it.
 * @throws Error when the page, a probe or the browser fails, or on timeout
 */
export async function runSoak(options: SoakRunOptions): Promise<SoakRunReport> {
  const server = await startReplayServer();
  try {
    const browser = await launchChromium({ gpu: options.gpu, extraArgs: ['--js-flags=--expose-gc', '--enable-precise-memory-info'] });
    try {
      const page = await browser.newPage();
      let timer: ReturnType<typeof setTimeout> | undefined;
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`timed out after ${options.timeoutMs / 1000} s`)), options.timeoutMs);
      });
      try {
        return await Promise.race([soakPage(page, `${server.url}test/soak/soak.html`, options), timeout]);
      } finally {
        clearTimeout(timer);
      }
    } finally {
      await browser.close();
    }
  } finally {
    await server.close();
  }
}

async function soakPage(page: Page, url: string, options: SoakRunOptions): Promise<SoakRunReport> {
  const began = performance.now();
  const pageErrors: string[] = [];
  let crashed: (err: Error) => void = () => {};
  const crash = new Promise<never>((_, reject) => (crashed = reject));
  page.on('pageerror', (err) => pageErrors.push(err.message));
  page.on('crash', () => crashed(new Error('the browser tab crashed')));
  const consoleMessages = new Map<string, { type: string; text: string; count: number }>();
  page.on('console', (message) => {
    const type = message.type();
    if (type !== 'warning' && type !== 'error') return;
    const text = message.text();
    const seen = consoleMessages.get(`${type} ${text}`);
    if (seen) seen.count++;
    else if (consoleMessages.size < CONSOLE_KEPT) consoleMessages.set(`${type} ${text}`, { type, text, count: 1 });
  });

  const cdp = await page.context().newCDPSession(page);
  let gcWarnings = 0;
  cdp.on('Log.entryAdded', ({ entry }) => {
    if (GC_WARNING.test(entry.text)) gcWarnings++;
  });
  await cdp.send('Log.enable');
  const sessions = await attachWorkerSessions(cdp);

  await page.addInitScript({ content: probeScript('page') });
  const workers = new Map<string, Worker>();
  const probeFailures: string[] = [];
  page.on('worker', (worker) => {
    let label = workerLabel(worker.url());
    while (workers.has(label)) label += "'";
    worker.evaluate(probeScript(label)).then(
      () => {
        workers.set(label, worker);
        worker.on('close', () => workers.delete(label));
      },
      (err: unknown) => probeFailures.push(`${label}: ${err instanceof Error ? err.message : String(err)}`),
    );
  });

  const measure = async (): Promise<Measurement> => {
    if (probeFailures.length) throw new Error(`the probe could not be installed in worker ${probeFailures.join('; ')}`);
    await collectGarbage(page, [...workers.values()]);
    const realms = [await measureRealm(page, sessions)];
    for (const worker of workers.values()) realms.push(await measureRealm(worker, sessions));
    return summarise(realms);
  };

  const run = async (): Promise<SoakRunReport> => {
    await page.goto(url);
    await page.waitForFunction(() => 'soak' in window);
    const start = await page.evaluate((config) => window.soak.start(config), options.config);
    const startMeasurement = await measure();
    const loadAtStart = loadavg()[0]!;
    const resumedAt = performance.now();
    await page.evaluate(() => window.soak.resume());
    const progress = setInterval(() => {
      page.evaluate(() => window.soak.progress()).then(
        (p) => options.onProgress?.(`${p.processed}/${options.config.frames} frames processed`),
        () => undefined, // the page is busy finishing or gone; the run itself reports that
      );
    }, PROGRESS_MS);
    let end: SoakEnd;
    try {
      end = await page.evaluate(() => window.soak.finish());
    } finally {
      clearInterval(progress);
    }
    const finishedAt = performance.now();
    const loadAverage = { start: loadAtStart, end: loadavg()[0]! };
    await collectGarbage(page, [...workers.values()]);
    await sleep(LEAK_AUDIT_MS);
    const endMeasurement = await measure();
    const now = performance.now();
    const phasesS = { warmup: (resumedAt - began) / 1000, run: (finishedAt - resumedAt) / 1000, end: (now - finishedAt) / 1000 };
    await page.evaluate(() => window.soak.dispose());
    const report = { start, end, startMeasurement, endMeasurement, gcWarnings, pageErrors, runtimeS: (now - began) / 1000, phasesS, loadAverage };
    return { ...report, console: [...consoleMessages.values()] };
  };
  return Promise.race([run(), crash]);
}

/** `gc()` in the page and every worker, twice, letting finalisers run in between. */
async function collectGarbage(page: Page, workers: Worker[]): Promise<void> {
  for (let round = 0; round < 2; round++) {
    for (const realm of [page, ...workers] as Realm[]) await realm.evaluate(() => (globalThis as unknown as { gc(): void }).gc());
    await sleep(200);
  }
}

/**
 * One realm's probe snapshot and heap: performance.memory where the realm has it (the page,
 * with --enable-precise-memory-info), else DevTools' Runtime.getHeapUsage (workers).
 * @throws Error when a worker has no DevTools session
 */
async function measureRealm(realm: Realm, sessions: WorkerSessions): Promise<RealmMeasurement> {
  const snapshot = await realm.evaluate(() => (globalThis as unknown as { __soakProbe: SoakProbe }).__soakProbe.snapshot());
  if (snapshot.heapUsed !== null) return { ...snapshot, heapUsed: snapshot.heapUsed, heapSource: 'performance.memory' };
  const session = sessions.byUrl(realm.url());
  if (!session) throw new Error(`no DevTools session for worker ${realm.url()}`);
  const { usedSize } = await session.send<{ usedSize: number }>('Runtime.getHeapUsage');
  return { ...snapshot, heapUsed: usedSize, heapSource: 'Runtime.getHeapUsage' };
}

function summarise(realms: RealmMeasurement[]): Measurement {
  const sum = (f: (r: RealmMeasurement) => number): number => realms.reduce((total, r) => total + f(r), 0);
  return {
    realms,
    heapUsed: sum((r) => r.heapUsed),
    liveVideoFrames: sum((r) => r.frames.live + r.frames.releasedButOpen),
    collectedUnclosed: sum((r) => r.frames.collectedUnreleased),
    releasedUnseen: sum((r) => r.frames.releasedUnseen),
    framesCounted: sum((r) => Object.values(r.frames.entered).reduce((a, b) => a + b, 0)),
    gpu: { buffers: sum((r) => r.gpu.buffers), textures: sum((r) => r.gpu.textures) },
  };
}
