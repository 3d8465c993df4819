// The LiveKit adapter's test page (test/e2e/adapters.spec.ts): runs the README's `livekit`
// snippet as it is — the spec writes it to generated/livekit-snippet.ts with one line appended
// that exports the snippet's `track` and `processor` — and leaves them on window.livekitPage.
import type { BackgroundReplacerProcessor } from 'bg-replacer/livekit';
import type { LocalVideoTrack } from 'livekit-client';

/** What the spec reaches through `window.livekitPage`. */
export interface LivekitPage {
  /** The snippet's LiveKit LocalVideoTrack, the processor set on it. */
  track: LocalVideoTrack;
  processor: BackgroundReplacerProcessor;
  /** The <video> element the snippet attached the track to. */
  video: HTMLVideoElement;
}

declare global {
  interface Window {
    livekitPage?: LivekitPage;
    /** Why the snippet failed, when it did. */
    livekitPageError?: string;
  }
}

// A variable specifier: tsc does not look for the generated (git-ignored) file; vite serves it.
const SNIPPET = './generated/livekit-snippet.ts';

try {
  const { track, processor } = (await import(/* @vite-ignore */ SNIPPET)) as Pick<LivekitPage, 'track' | 'processor'>;
  const video = document.querySelector('video');
  if (!video) throw new Error('the snippet attached no <video> element');
  window.livekitPage = { track, processor, video };
} catch (err) {
  window.livekitPageError = err instanceof Error ? `${err.name}: ${err.message}` : String(err);
}
