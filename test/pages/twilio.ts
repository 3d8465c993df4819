// The Twilio adapter's test page (test/e2e/adapters.spec.ts): runs the README's `twilio`
// snippet as it is — the spec writes it to generated/twilio-snippet.ts with one line appended
// that exports the snippet's `track` and `processor` — and leaves them on window.twilioPage,
// with an audit of the frames Twilio hands to the processor.
import type { BackgroundReplacerVideoProcessor } from 'bg-replacer/twilio';
import type { LocalVideoTrack } from 'twilio-video';

/** The input frames handed to processFrame() since the audit was installed. */
export interface FrameAudit {
  /** processFrame() calls. */
  calls: number;
  /** Calls whose VideoFrame input was still open when the call settled (should stay 0). */
  openAfterCall: number;
  /** Calls that rejected, by message. */
  errors: string[];
  /** Every VideoFrame input, to check later that all are closed. */
  frames: VideoFrame[];
}

/** What the spec reaches through `window.twilioPage`. */
export interface TwilioPage {
  /** The snippet's Twilio LocalVideoTrack, the processor added to it. */
  track: LocalVideoTrack;
  processor: BackgroundReplacerVideoProcessor;
  /** The <video> element the snippet attached the track to. */
  video: HTMLVideoElement;
  audit: FrameAudit;
}

declare global {
  interface Window {
    twilioPage?: TwilioPage;
    /** Why the snippet failed, when it did. */
    twilioPageError?: string;
  }
}

// A variable specifier: tsc does not look for the generated (git-ignored) file; vite serves it.
const SNIPPET = './generated/twilio-snippet.ts';

/** Wraps the processor's processFrame (Twilio calls it through the instance) to audit its inputs. */
function auditFrames(processor: BackgroundReplacerVideoProcessor): FrameAudit {
  const audit: FrameAudit = { calls: 0, openAfterCall: 0, errors: [], frames: [] };
  const processFrame = processor.processFrame.bind(processor);
  processor.processFrame = async (input, output) => {
    audit.calls++;
    if (input instanceof VideoFrame) audit.frames.push(input);
    try {
      await processFrame(input, output);
    } catch (err) {
      audit.errors.push(err instanceof Error ? err.message : String(err));
      throw err;
    } finally {
      // A closed VideoFrame has no format.
      if (input instanceof VideoFrame && input.format !== null) audit.openAfterCall++;
    }
  };
  return audit;
}

try {
  const { track, processor } = (await import(/* @vite-ignore */ SNIPPET)) as Pick<TwilioPage, 'track' | 'processor'>;
  const audit = auditFrames(processor);
  const video = document.querySelector('video');
  if (!video) throw new Error('the snippet attached no <video> element');
  window.twilioPage = { track, processor, video, audit };
} catch (err) {
  window.twilioPageError = err instanceof Error ? `${err.name}: ${err.message}` : String(err);
}
