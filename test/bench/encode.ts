// The page side of the bandwidth benchmark (scripts/lib/bandwidth/browserEncode.ts): encodes a
// sequence of I420 frames, fetched one by one from URLs the Node side answers, with WebCodecs'
// VideoEncoder at a fixed quantizer, and hands back every chunk. The protocol is
// scripts/lib/bandwidth/encodeProtocol.ts.
import { CODEC_STRINGS, type BandwidthEncoder, type EncodeRequest, type EncodeResult, type WebCodecsCodec } from '../../scripts/lib/bandwidth/encodeProtocol';

/** Per-frame encode options with the codec-specific quantizer (not in TypeScript's DOM types yet). */
interface QuantizerEncodeOptions extends VideoEncoderEncodeOptions {
  vp9?: { quantizer: number };
  av1?: { quantizer: number };
}

function config(codec: WebCodecsCodec, width: number, height: number, fps: number, latencyMode: LatencyMode): VideoEncoderConfig {
  return {
    codec: CODEC_STRINGS[codec],
    width,
    height,
    framerate: fps,
    bitrateMode: 'quantizer',
    latencyMode,
    hardwareAcceleration: 'prefer-software',
  };
}

function toBase64(bytes: Uint8Array): string {
  let s = '';
  for (let i = 0; i < bytes.length; i += 0x8000) s += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(s);
}

const encoder: BandwidthEncoder = {
  async supported(codec: WebCodecsCodec, width: number, height: number, latencyMode: LatencyMode): Promise<boolean> {
    const support = await VideoEncoder.isConfigSupported(config(codec, width, height, 30, latencyMode));
    return support.supported === true;
  },

  async encode(req: EncodeRequest): Promise<EncodeResult> {
    const cfg = config(req.codec, req.width, req.height, req.fps, req.latencyMode);
    const support = await VideoEncoder.isConfigSupported(cfg);
    if (!support.supported) throw new Error(`VideoEncoder does not support ${JSON.stringify(cfg)}`);
    const chunks: EncodeResult['chunks'] = [];
    let failure: Error | null = null;
    const video = new VideoEncoder({
      output(chunk) {
        const data = new Uint8Array(chunk.byteLength);
        chunk.copyTo(data);
        chunks.push({ key: chunk.type === 'key', timestamp: chunk.timestamp, data: toBase64(data) });
      },
      error(err) {
        failure = err;
      },
    });
    const start = performance.now();
    try {
      video.configure(cfg);
      const frameBytes = req.width * req.height * 1.5;
      for (let i = 0; i < req.frames && !failure; i++) {
        const response = await fetch(`${req.frameUrl}${i}`);
        if (!response.ok) throw new Error(`frame ${i}: HTTP ${response.status}`);
        const bytes = new Uint8Array(await response.arrayBuffer());
        if (bytes.length !== frameBytes) throw new Error(`frame ${i}: ${bytes.length} bytes, expected ${frameBytes}`);
        const timestamp = Math.round((i * 1e6) / req.fps);
        const frame = new VideoFrame(bytes, {
          format: 'I420',
          codedWidth: req.width,
          codedHeight: req.height,
          timestamp,
          duration: Math.round(1e6 / req.fps),
          colorSpace: { matrix: 'smpte170m', primaries: 'smpte170m', transfer: 'smpte170m', fullRange: false },
        });
        const options: QuantizerEncodeOptions = { keyFrame: i === 0, [req.codec]: { quantizer: req.quantizer } };
        try {
          video.encode(frame, options);
        } finally {
          frame.close();
        }
      }
      if (!failure) await video.flush();
    } finally {
      if (video.state !== 'closed') video.close();
    }
    if (failure) throw failure;
    if (chunks.length !== req.frames) throw new Error(`the encoder returned ${chunks.length} chunks for ${req.frames} frames`);
    return { codecString: cfg.codec, chunks, encodeMs: performance.now() - start };
  },
};

window.bandwidthEncoder = encoder;
