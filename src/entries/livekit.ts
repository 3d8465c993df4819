// `bg-replacer/livekit`: background blur / replacement as a LiveKit video TrackProcessor
// (LocalVideoTrack.setProcessor). Imports only livekit-client's types: the app brings livekit-client.
export { BackgroundReplacerProcessor, type LiveKitReplacerOptions } from '../adapters/livekit';
