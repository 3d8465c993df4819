// One browser and one server for the whole bench; each job (one system on some frames) gets a
// fresh page, so no system inherits another's workers, heap or GPU state.
import type { Browser, Page } from '@playwright/test';
import { launchChromium } from '../browser';
import { attachProbe, type PageProbe } from './probe';
import type { FrameRecord, RunSpec, SetupInfo, SetupSpec } from './protocol';
import { startBenchServer, type BenchOutput, type BenchServer } from './server';

/** What a job's body can do with its page. */
export interface Job {
  probe: PageProbe;
  /** Fetches frames into the page's memory. */
  load(sequence: string, indices: number[]): Promise<void>;
  /** Runs frames through the system (see RunSpec). */
  run(spec: RunSpec): Promise<FrameRecord[]>;
  /** Outputs the page posted during this job, by key `sequence/index/what`. */
  outputs: Map<string, BenchOutput>;
  /** Why the WebGPU memory probe is not in the engine worker (SetupSpec.waitForProbe), or null. */
  probeError: string | null;
}

/** The browser, the server and DevTools' browser session. */
export interface BenchSession {
  server: BenchServer;
  browser: Browser;
  /** Chromium's version string. */
  version: string;
  /**
   * Runs `body` on a fresh bench page with `spec` set up, then disposes of it and closes the page.
   * @throws Error naming the system when the page fails, crashes, or the body throws
   */
  job<T>(spec: SetupSpec, body: (job: Job) => Promise<T>): Promise<{ info: SetupInfo; result: T }>;
  close(): Promise<void>;
}

/**
 * Starts the bench server and headless Chromium.
 * @param gpu use the machine's GPU through Vulkan instead of SwiftShader
 * @param verbose echo the pages' console to stderr
 */
export async function openBenchSession(options: { gpu: boolean; verbose: boolean }): Promise<BenchSession> {
  const server = await startBenchServer();
  let browser: Browser;
  try {
    // Developer features: WebGPU timestamps unquantised (Chromium rounds them to 100 µs otherwise).
    browser = await launchChromium({ gpu: options.gpu, extraArgs: ['--enable-webgpu-developer-features'] });
  } catch (err) {
    await server.close();
    throw err;
  }
  const browserCdp = await browser.newBrowserCDPSession();
  let outputs = new Map<string, BenchOutput>();
  server.onOutput((o) => outputs.set(o.key, o));

  const watch = (page: Page, label: string): Promise<never> =>
    new Promise<never>((_, reject) => {
      page.on('pageerror', (err) => reject(new Error(`${label}: page error: ${err.message}`)));
      page.on('crash', () => reject(new Error(`${label}: the browser tab crashed`)));
      if (options.verbose) page.on('console', (m) => console.error(`[${label}] ${m.text()}`));
    });

  return {
    server,
    browser,
    version: browser.version(),
    async job(spec, body) {
      outputs = new Map();
      const page = await browser.newPage();
      const failed = watch(page, spec.kind);
      // Raced with the job below; once the job is over its page is closed, so a later failure has nothing left to fail.
      failed.catch(() => undefined);
      try {
        const work = async () => {
          const probe = await attachProbe(page, browserCdp);
          let probeError: string | null = null;
          if (spec.waitForProbe) {
            page.on('worker', (worker) => {
              if (!/engine\.worker/.test(worker.url())) return;
              // Without the probe the job still runs: its GPU memory is reported as unmeasured, with this reason.
              const release = (): Promise<void> => page.evaluate(() => window.bench.probeInstalled());
              probe
                .installGpuMemoryProbe(worker)
                .then(release, (err: unknown) => {
                  probeError = `the WebGPU memory probe could not be installed in the engine worker: ${err instanceof Error ? err.message : String(err)}`;
                  return release();
                })
                .catch((err: unknown) => {
                  // The page went away: the job fails on its own (page error, crash or the run's timeout).
                  probeError = `the engine worker could not be released after the probe: ${err instanceof Error ? err.message : String(err)}`;
                });
            });
          }
          await page.goto(`${server.url}test/bench/bench.html`);
          await page.waitForFunction(() => 'bench' in window, null, { timeout: 120_000 });
          const info = await page.evaluate((s) => window.bench.setup(s), spec);
          const job: Job = {
            probe,
            load: (sequence, indices) => page.evaluate(([q, i]) => window.bench.load(q, i), [sequence, indices] as const),
            run: (r) => page.evaluate((x) => window.bench.run(x), r),
            outputs,
            get probeError() {
              return probeError;
            },
          };
          const result = await body(job);
          await page.evaluate(() => window.bench.dispose());
          return { info, result };
        };
        const done = work();
        // Observed through the race; when the page failed first, the job's own later rejection (its page closed) adds nothing.
        done.catch(() => undefined);
        return await Promise.race([done, failed]);
      } finally {
        // A crashed page may refuse to close; the job's own outcome (result or error) is what counts.
        await page.close().catch((err: unknown) => {
          if (options.verbose) console.error(`bench: closing the ${spec.kind} page: ${err instanceof Error ? err.message : String(err)}`);
        });
      }
    },
    async close() {
      try {
        await browser.close();
      } finally {
        await server.close();
      }
    },
  };
}
