// The soak's in-browser probe: one per realm (the page and every worker), counting the
// VideoFrames that enter and leave the realm and the GPU buffers and textures it creates and
// destroys. Installed by the soak command (scripts/lib/soakRun.ts) before the realm's frames
// flow; read back with `globalThis.__soakProbe.snapshot()`.

/** How a VideoFrame entered a realm. */
export type FrameEntry = 'constructed' | 'cloned' | 'read' | 'received';
/** How a VideoFrame left a realm: closed, transferred by postMessage, or written to a track generator (whose sink closes it). */
export type FrameExit = 'closed' | 'transferred' | 'written';

/** One realm's counters at one moment. */
export interface ProbeSnapshot {
  realm: string;
  /** `performance.memory.usedJSHeapSize` in bytes where this realm exposes it (windows), else null. */
  heapUsed: number | null;
  frames: {
    /** Frames counted in, by how they entered (each frame once). */
    entered: Record<FrameEntry, number>;
    /** Frames counted out, by how they left (each frame once). */
    exited: Record<FrameExit, number>;
    /** Counted in, not counted out, still reachable: the realm's live VideoFrames. */
    live: number;
    /** Counted out by a transfer or a generator write but still open (not detached, not closed by the sink). */
    releasedButOpen: number;
    /** Garbage-collected without ever being counted out (what Chrome warns about). */
    collectedUnreleased: number;
    /** Frames closed, transferred or written that were never counted in: a source the probe does not hook. */
    releasedUnseen: number;
  };
  gpu: {
    /** Created with device.createBuffer / createTexture here, not destroyed (nor their device), not collected. */
    buffers: number;
    textures: number;
    created: { buffers: number; textures: number };
    destroyed: { buffers: number; textures: number };
    /** Garbage-collected without destroy(): their memory went with the wrapper, but nobody released them. */
    collectedUndestroyed: number;
  };
}

/** The global the probe installs. */
export interface SoakProbe {
  snapshot(): ProbeSnapshot;
}

/**
 * Installs the probe in the calling realm (idempotent). Self-contained, as it is serialised
 * into the page and the workers: it wraps
 * - in: the VideoFrame constructor, VideoFrame.prototype.clone, ReadableStreamDefaultReader
 *   reads (MediaStreamTrackProcessor) and MessageEvent.data (frames arriving by postMessage,
 *   e.g. Comlink transfers; searched 4 levels deep);
 * - out: VideoFrame.prototype.close, postMessage transfer lists (Worker, MessagePort, the
 *   worker global) and writes to a MediaStreamTrackGenerator's writer;
 * - GPU: GPUDevice.prototype.createBuffer / createTexture, GPUBuffer / GPUTexture .destroy and
 *   GPUDevice.destroy (which destroys the device's resources).
 * Frames and GPU objects are held weakly, so the probe changes no lifetime; it marks each
 * with a symbol-keyed property.
 * @param realm a name for the snapshots, e.g. "page" or "engine"
 */
export function installSoakProbe(realm: string): void {
  type Anyish = Record<string | symbol, unknown>;
  const g = globalThis as unknown as Anyish;
  if (g.__soakProbe) return;

  const NativeVideoFrame = VideoFrame;
  const entered: Record<FrameEntry, number> = { constructed: 0, cloned: 0, read: 0, received: 0 };
  const exited: Record<FrameExit, number> = { closed: 0, transferred: 0, written: 0 };
  // Each frame and GPU object seen carries its bookkeeping under MARK, so the probe keeps no
  // per-object table that would grow with the objects awaiting collection.
  const MARK = Symbol('soakProbe');
  type Mark = { ref: WeakRef<VideoFrame>; released: boolean };
  const markOf = (frame: VideoFrame): Mark | undefined => (frame as unknown as Anyish)[MARK] as Mark | undefined;
  /** Frames counted in and not out. */
  const live = new Set<WeakRef<VideoFrame>>();
  /** Frames counted out by a transfer or a write, until they are seen closed. */
  const handedOver = new Set<WeakRef<VideoFrame>>();
  let collectedUnreleased = 0;
  let releasedUnseen = 0;
  const frameGone = new FinalizationRegistry<WeakRef<VideoFrame>>((ref) => {
    if (live.delete(ref)) collectedUnreleased++;
  });

  const enter = (frame: VideoFrame, how: FrameEntry): void => {
    if (markOf(frame)) return;
    const ref = new WeakRef(frame);
    (frame as unknown as Anyish)[MARK] = { ref, released: false } satisfies Mark;
    entered[how]++;
    live.add(ref);
    frameGone.register(frame, ref, ref);
  };
  const exit = (frame: VideoFrame, how: FrameExit): void => {
    let mark = markOf(frame);
    if (mark?.released) return;
    exited[how]++;
    if (mark) {
      live.delete(mark.ref);
      frameGone.unregister(mark.ref);
      mark.released = true;
    } else {
      releasedUnseen++;
      mark = { ref: new WeakRef(frame), released: true };
      (frame as unknown as Anyish)[MARK] = mark;
    }
    if (how !== 'closed') {
      handedOver.add(mark.ref);
      if (handedOver.size > 256) pruneHandedOver();
    }
  };
  /** Drops handed-over frames that are closed (codedWidth 0) or collected; returns how many are still open. */
  const pruneHandedOver = (): number => {
    for (const ref of handedOver) {
      const frame = ref.deref();
      if (!frame || frame.codedWidth === 0) handedOver.delete(ref);
    }
    return handedOver.size;
  };
  /** Counts in the VideoFrames in a message payload (arrays and plain objects, 4 levels). */
  const enterFound = (value: unknown, depth: number): void => {
    if (value instanceof NativeVideoFrame) enter(value, 'received');
    else if (depth > 0 && value !== null && typeof value === 'object') {
      const proto = Object.getPrototypeOf(value);
      if (Array.isArray(value)) for (const item of value) enterFound(item, depth - 1);
      else if (proto === Object.prototype || proto === null) for (const item of Object.values(value)) enterFound(item, depth - 1);
    }
  };
  const wrapMethod = (proto: object | undefined, name: string, wrap: (original: (...args: unknown[]) => unknown) => (...args: unknown[]) => unknown): void => {
    const descriptor = proto && Object.getOwnPropertyDescriptor(proto, name);
    if (!proto || typeof descriptor?.value !== 'function') return;
    Object.defineProperty(proto, name, { ...descriptor, value: wrap(descriptor.value as (...args: unknown[]) => unknown) });
  };
  const ctor = (name: string): { prototype: object } | undefined => g[name] as { prototype: object } | undefined;

  // VideoFrames in.
  g.VideoFrame = new Proxy(NativeVideoFrame, {
    construct(target, args, newTarget) {
      const frame = Reflect.construct(target, args, newTarget) as VideoFrame;
      enter(frame, 'constructed');
      return frame;
    },
  });
  wrapMethod(NativeVideoFrame.prototype, 'clone', (original) =>
    function (this: VideoFrame, ...args) {
      const copy = original.apply(this, args) as VideoFrame;
      enter(copy, 'cloned');
      return copy;
    },
  );
  wrapMethod(ctor('ReadableStreamDefaultReader')?.prototype, 'read', (original) =>
    function (this: unknown, ...args) {
      return (original.apply(this, args) as Promise<ReadableStreamReadResult<unknown>>).then((result) => {
        if (result.value instanceof NativeVideoFrame) enter(result.value, 'read');
        return result;
      });
    },
  );
  const data = Object.getOwnPropertyDescriptor(MessageEvent.prototype, 'data')!;
  Object.defineProperty(MessageEvent.prototype, 'data', {
    ...data,
    get(this: MessageEvent) {
      const value = data.get!.call(this) as unknown;
      enterFound(value, 4);
      return value;
    },
  });

  // VideoFrames out.
  wrapMethod(NativeVideoFrame.prototype, 'close', (original) =>
    function (this: VideoFrame, ...args) {
      exit(this, 'closed');
      return original.apply(this, args);
    },
  );
  const transferList = (options: unknown): unknown[] =>
    Array.isArray(options) ? options : ((options as { transfer?: unknown[] } | undefined)?.transfer ?? []);
  // A worker's global has postMessage as an own property (WebIDL [Global]), not on its prototype.
  const workerGlobal = ctor('DedicatedWorkerGlobalScope') ? (Object.hasOwn(g, 'postMessage') ? g : Object.getPrototypeOf(g)) : undefined;
  for (const holder of [ctor('Worker')?.prototype, ctor('MessagePort')?.prototype, workerGlobal]) {
    wrapMethod(holder, 'postMessage', (original) =>
      function (this: unknown, ...args) {
        const result = original.apply(this, args);
        for (const item of transferList(args[1])) if (item instanceof NativeVideoFrame) exit(item, 'transferred');
        return result;
      },
    );
  }
  const generatorStreams = new WeakSet<object>();
  const streamOfWriter = new WeakMap<object, object>();
  const generatorProto = ctor('MediaStreamTrackGenerator')?.prototype;
  const writable = generatorProto && Object.getOwnPropertyDescriptor(generatorProto, 'writable');
  if (generatorProto && writable?.get) {
    Object.defineProperty(generatorProto, 'writable', {
      ...writable,
      get(this: unknown) {
        const stream = writable.get!.call(this) as object;
        generatorStreams.add(stream);
        return stream;
      },
    });
  }
  wrapMethod(ctor('WritableStream')?.prototype, 'getWriter', (original) =>
    function (this: object, ...args) {
      const writer = original.apply(this, args) as object;
      streamOfWriter.set(writer, this);
      return writer;
    },
  );
  wrapMethod(ctor('WritableStreamDefaultWriter')?.prototype, 'write', (original) =>
    function (this: object, ...args) {
      const result = original.apply(this, args);
      const stream = streamOfWriter.get(this);
      if (args[0] instanceof NativeVideoFrame && stream && generatorStreams.has(stream)) exit(args[0], 'written');
      return result;
    },
  );

  // GPU buffers and textures.
  type GpuObject = GPUBuffer | GPUTexture;
  const gpuCreated = { buffers: 0, textures: 0 };
  const gpuDestroyed = { buffers: 0, textures: 0 };
  const aliveGpu = new Map<WeakRef<GpuObject>, { kind: 'buffers' | 'textures'; device: GPUDevice }>();
  let collectedUndestroyed = 0;
  const gpuGone = new FinalizationRegistry<WeakRef<GpuObject>>((ref) => {
    if (aliveGpu.delete(ref)) collectedUndestroyed++;
  });
  const untrack = (ref: WeakRef<GpuObject> | undefined): void => {
    const entry = ref && aliveGpu.get(ref);
    if (!ref || !entry) return;
    aliveGpu.delete(ref);
    gpuGone.unregister(ref);
    gpuDestroyed[entry.kind]++;
  };
  if (typeof g.GPUDevice === 'function') {
    const track = (kind: 'buffers' | 'textures') => (original: (...args: unknown[]) => unknown) =>
      function (this: GPUDevice, ...args: unknown[]) {
        const object = original.apply(this, args) as GpuObject;
        const ref = new WeakRef(object);
        gpuCreated[kind]++;
        aliveGpu.set(ref, { kind, device: this });
        (object as unknown as Anyish)[MARK] = ref;
        gpuGone.register(object, ref, ref);
        return object;
      };
    wrapMethod(GPUDevice.prototype, 'createBuffer', track('buffers'));
    wrapMethod(GPUDevice.prototype, 'createTexture', track('textures'));
    for (const proto of [GPUBuffer.prototype, GPUTexture.prototype]) {
      wrapMethod(proto, 'destroy', (original) =>
        function (this: GpuObject, ...args) {
          untrack((this as unknown as Anyish)[MARK] as WeakRef<GpuObject> | undefined);
          return original.apply(this, args);
        },
      );
    }
    wrapMethod(GPUDevice.prototype, 'destroy', (original) =>
      function (this: GPUDevice, ...args) {
        for (const [ref, { device }] of aliveGpu) if (device === this) untrack(ref);
        return original.apply(this, args);
      },
    );
  }

  const probe: SoakProbe = {
    snapshot() {
      let liveCount = 0;
      for (const ref of live) if (ref.deref()) liveCount++;
      const gpu = { buffers: 0, textures: 0 };
      for (const [ref, { kind }] of aliveGpu) if (ref.deref()) gpu[kind]++;
      const memory = (performance as unknown as { memory?: { usedJSHeapSize: number } }).memory;
      return {
        realm,
        heapUsed: memory ? memory.usedJSHeapSize : null,
        frames: { entered: { ...entered }, exited: { ...exited }, live: liveCount, releasedButOpen: pruneHandedOver(), collectedUnreleased, releasedUnseen },
        gpu: { ...gpu, created: { ...gpuCreated }, destroyed: { ...gpuDestroyed }, collectedUndestroyed },
      };
    },
  };
  g.__soakProbe = probe;
}

/**
 * The probe as a script to evaluate in a realm: installs it under the name `realm`.
 * tsx compiles this file with keepNames, which wraps named functions in a `__name(fn, "…")`
 * helper that only exists in Node; the script defines a no-op one in its own scope.
 */
export function probeScript(realm: string): string {
  return `(() => { const __name = (fn) => fn; (${installSoakProbe.toString()})(${JSON.stringify(realm)}); })()`;
}
