// The Node GPU bench's run: the rows at each size on the Dawn device (see main.ts).
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { setFlagsFromString } from 'node:v8';
import webgpuPackage from 'webgpu/package.json';
import { createGpuContext, isSoftwareAdapter } from '../../../src/gpu/device';
import type { OnnxWebGpuSegmenter } from '../../../src/models/onnxWebGpu';
import type { GpuBenchArgs } from './args';
import { fail, log, NO_ADAPTER_EXIT } from './exit';
import { readPictures, sizedInputs, type BenchPictures } from './inputs';
import { readMasks, writeMasks, type MaskRecording } from './masks';
import { checkBaseNetwork, cpuBaseSession, readBaseModel, webGpuBaseNetwork, type BaseModel, type CpuSession } from './network';
import { checkTargets, formatReport, sizeReport, summariseRow, type GpuBenchReport, type RowOutcome, type SizeReport } from './report';
import type { Size } from '../bench/plan';
import { recordMasks, runRow } from './rows';
import { ROWS } from './rowSpecs';
import { rvmOnDevice } from './rvm';
import type { RvmNetwork } from '../../../src/models/rvm/runtime';

/** The largest difference allowed between the base network's mask on the device and on the CPU (confidence in 0..1). */
const BASE_NETWORK_TOLERANCE = 1e-3;

/** The Vulkan loader this process mapped (Linux's /proc/self/maps), or null (none mapped, or not Linux). */
function vulkanLoader(): string | null {
  if (!existsSync('/proc/self/maps')) return null;
  const line = readFileSync('/proc/self/maps', 'utf8').split('\n').find((l) => /\/libvulkan\.so[.\d]*$/.test(l));
  return line ? line.slice(line.indexOf('/')) : null;
}

/** What a run keeps between sizes. */
interface Run {
  args: GpuBenchArgs;
  device: GPUDevice;
  model: BaseModel;
  pictures: BenchPictures;
  /** The CPU session, made on first need (recording masks, checking the device's network). */
  cpu(): Promise<CpuSession>;
}

/** The size's recorded masks, recorded now (and stored) when the cache has none. */
async function masksFor(run: Run, size: Size, inputs: ReturnType<typeof sizedInputs>): Promise<MaskRecording> {
  const { args, device, model, pictures } = run;
  const key = { model: model.entry.sha256, frame: pictures.frameHash, width: size.width, height: size.height };
  const stored = readMasks(args.masks, key);
  if (stored) return stored;
  log(`${size.width}x${size.height}: recording the base network's masks (onnxruntime-web on the CPU) into ${args.masks}`);
  const recording = await recordMasks(device, await run.cpu(), model.entry.input.width, model.entry.input.height, inputs, key);
  writeMasks(args.masks, recording);
  return recording;
}

/**
 * The base network on the device, checked against the CPU on the still; null (with the reason)
 * when onnxruntime-web's WebGPU provider does not start or disagrees.
 */
async function deviceNetwork(run: Run): Promise<{ network: OnnxWebGpuSegmenter | null; note: string | null; maxDifference: number | null }> {
  let network: OnnxWebGpuSegmenter;
  try {
    network = await webGpuBaseNetwork(run.device, run.model, run.args.ort);
  } catch (err) {
    return { network: null, note: `onnxruntime-web's WebGPU execution provider did not start on this device: ${err instanceof Error ? err.message : String(err)}`, maxDifference: null };
  }
  let maxDifference: number;
  try {
    maxDifference = await checkBaseNetwork(run.device, network, await run.cpu(), run.pictures.frame);
  } catch (err) {
    await network.close();
    return { network: null, note: `onnxruntime-web's WebGPU execution provider started but failed to run on this device: ${err instanceof Error ? err.message : String(err)}`, maxDifference: null };
  }
  if (maxDifference > BASE_NETWORK_TOLERANCE) {
    await network.close();
    return { network: null, note: `onnxruntime-web's WebGPU execution provider gives masks that differ from its CPU provider's by up to ${maxDifference} (> ${BASE_NETWORK_TOLERANCE}) on this device: not timed`, maxDifference };
  }
  log(`base network on the device agrees with the CPU (max |Δ| ${maxDifference.toExponential(2)})`);
  return { network, note: null, maxDifference };
}

/**
 * Runs the bench as `args` say on the WebGPU that installDawn() installed, prints the tables,
 * writes the JSON and the table where asked; with `recordOnly`, records the missing masks only.
 * @returns the exit status: 0, or 1 when a row other than the base network's failed
 * @throws Error for unreadable inputs (the still, the model, the masks cache)
 */
export async function runBench(args: GpuBenchArgs): Promise<number> {
  let gpu;
  try {
    gpu = await createGpuContext();
  } catch (err) {
    fail(`no WebGPU adapter: ${err instanceof Error ? err.message : String(err)} (a GPU with a Vulkan driver, or VK_ICD_FILENAMES naming one)`, NO_ADAPTER_EXIT);
  }
  const { device, adapterName, timestamps } = gpu;
  const software = isSoftwareAdapter(adapterName);
  if (software) {
    // On a GPU emulated by the CPU, V8's optimising compiler working through onnxruntime-web's
    // 26 MB of WebAssembly in background threads starves SwiftShader for a minute on 2 cores:
    // its baseline code (Liftoff) only. On a GPU the optimised code stays.
    setFlagsFromString('--liftoff-only');
  }
  if (!timestamps) fail(`the adapter ${adapterName} has no 'timestamp-query': the bench times stages with it`);
  const lost = device.lost.then((info) => {
    if (info.reason !== 'destroyed') log(`the GPU device was lost (${info.reason}): ${info.message}`);
  });
  // dawn.node comes from the same installed package the harness was built against (bench:gpu, the bundle).
  const runtime = `Dawn (npm webgpu ${webgpuPackage.version}) in Node ${process.version}, ${process.platform} ${process.arch}${software ? ' (software adapter: WebAssembly unoptimised)' : ''}`;
  const loader = vulkanLoader();
  log(`${runtime}; adapter ${adapterName}; Vulkan loader ${loader ?? 'none mapped'}`);
  const made: { session: Promise<CpuSession> | null } = { session: null };
  const run: Run = { args, device, model: readBaseModel(args.model), pictures: readPictures(args.still, args.background), cpu: () => (made.session ??= cpuBaseSession(run.model, args.ort)) };

  const rows = ROWS.filter((spec) => args.rows.includes(spec.id));
  const timesBase = rows.some((spec) => spec.network === 'onnx-webgpu');
  const untimed = args.recordOnly ? null : !args.baseNetwork ? 'not timed (--no-base-network)' : !timesBase ? 'not timed (its row is not among --rows)' : null;
  let base: Awaited<ReturnType<typeof deviceNetwork>> = { network: null, note: untimed, maxDifference: null };
  // Robust Video Matting for the rvm rows: the user installs it (GPL-3.0); without it they are not measured.
  const wantsRvm = !args.recordOnly && rows.some((spec) => spec.rvm);
  let rvm: RvmNetwork | null = null;
  const rvmNote = !wantsRvm ? null : args.rvm === null ? `Robust Video Matting is not installed (npm run models:fetch -- rvm; GPL-3.0), or give --rvm MODEL_JSON` : null;
  const sizes: SizeReport[] = [];
  let failed = false;
  try {
    if (untimed === null && !args.recordOnly) base = await deviceNetwork(run);
    if (base.note) log(base.note);
    if (rvmNote) log(rvmNote);
    else if (wantsRvm) rvm = await rvmOnDevice(device, args.rvm!);
    for (const size of args.sizes) {
      const tag = `${size.width}x${size.height}`;
      const inputs = sizedInputs(device, run.pictures, size.width, size.height);
      try {
        const recording = await masksFor(run, size, inputs);
        if (args.recordOnly) continue;
        const outcomes: RowOutcome[] = [];
        for (const spec of rows) {
          if (spec.network === 'onnx-webgpu' && !base.network) {
            outcomes.push({ id: spec.id, error: base.note! });
            continue;
          }
          if (spec.rvm && !rvm) {
            outcomes.push({ id: spec.id, error: rvmNote! });
            continue;
          }
          log(`${tag}: ${spec.id}`);
          try {
            outcomes.push({ run: await runRow(device, spec, inputs, recording, args, base.network, rvm) });
          } catch (err) {
            const message = err instanceof Error ? err.message : String(err);
            log(`${tag}: ${spec.id} failed: ${message}`);
            outcomes.push({ id: spec.id, error: message });
            if (spec.network !== 'onnx-webgpu') failed = true;
          }
        }
        sizes.push(sizeReport(size, outcomes.map(summariseRow)));
      } finally {
        inputs.destroy();
      }
    }
  } finally {
    rvm?.destroy();
    await base.network?.close();
    await (await made.session)?.release();
  }
  if (!args.recordOnly) {
    const report: GpuBenchReport = {
      version: 1,
      date: new Date().toISOString(),
      adapter: adapterName,
      runtime,
      vulkanLoader: loader,
      frames: args.frames,
      warmup: args.warmup,
      maxSeconds: args.maxSeconds,
      sizes,
      targets: checkTargets(sizes),
      baseNetworkNote: base.note,
      baseNetworkMaxDifference: base.maxDifference,
    };
    const text = formatReport(report);
    process.stdout.write(`${text}\n`);
    const write = (path: string, content: string): void => {
      mkdirSync(dirname(path), { recursive: true });
      writeFileSync(path, content);
    };
    if (args.json) write(args.json, `${JSON.stringify(report, null, 1)}\n`);
    if (args.table) write(args.table, `${text}\n`);
  }
  device.destroy();
  await lost;
  return failed ? 1 : 0;
}
