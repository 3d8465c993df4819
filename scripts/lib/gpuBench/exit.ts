// How the Node GPU bench reports and exits.

/** Exit status when no WebGPU adapter is found (scripts/bench-gpu.ts then tries SwiftShader; the bundle's run.sh its own Vulkan loader). */
export const NO_ADAPTER_EXIT = 3;

/** Exit status when dawn.node does not load (a shared library missing or too old: run.sh then tries its own). */
export const DAWN_LOAD_EXIT = 4;

const started = performance.now();

/** A progress or error line on stderr, with the seconds since the harness started (the tables go to stdout). */
export function log(line: string): void {
  process.stderr.write(`bench:gpu [${((performance.now() - started) / 1000).toFixed(1)} s]: ${line}\n`);
}

/** Logs `message` and exits with `status`. */
export function fail(message: string, status = 1): never {
  log(message);
  process.exit(status);
}
