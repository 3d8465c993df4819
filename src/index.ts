// The package root (`bg-replacer`): createBackgroundReplacer, its option and stats types, the
// errors and their codes, and isSupported(). The element is its own entry (`bg-replacer/element`),
// as are the LiveKit and Twilio adapters (`bg-replacer/livekit`, `bg-replacer/twilio`).
export { createBackgroundReplacer, MAX_IMAGE_SIDE, type ReplacerInit } from './element/api';
export type {
  BackgroundReplacer,
  DepthFrameSource,
  DepthInput,
  DepthSourceFrame,
  DepthStats,
  MemoryStats,
  PlateCaptureOptions,
  PlateFit,
  QualityLevel,
  RefineStats,
  Renderer,
  ReplacerEventMap,
  ReplacerStats,
} from './element/api';
export { ReplacerError, InvalidOptionError, InputError, ModelIntegrityError, type ErrorCode } from './errors';
export { OPTION_SPEC, DEFAULT_OPTIONS, resolveOptions, type Options } from './options';
export { isSupported, type SupportReport } from './support';
