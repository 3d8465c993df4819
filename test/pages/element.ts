// The <bg-replacer> element's test page (test/e2e/browsers.spec.ts): defines the element from the
// package's `bg-replacer/element` entry and exposes isSupported() and createBackgroundReplacer()
// from the package root.
import 'bg-replacer/element';
import { createBackgroundReplacer, isSupported } from 'bg-replacer';

declare global {
  interface Window {
    elementPage?: { isSupported: typeof isSupported; createBackgroundReplacer: typeof createBackgroundReplacer };
  }
}

window.elementPage = { isSupported, createBackgroundReplacer };
