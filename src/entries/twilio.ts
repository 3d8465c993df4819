// `bg-replacer/twilio`: background blur / replacement as a Twilio VideoProcessor
// (LocalVideoTrack.addProcessor). Imports only twilio-video's types: the app brings twilio-video.
export { BackgroundReplacerVideoProcessor, TWILIO_PROCESSOR_OPTIONS, type TwilioBridgeStats, type TwilioReplacerOptions } from '../adapters/twilio';
