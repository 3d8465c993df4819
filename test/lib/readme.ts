// The README's code snippets, for the tests that run them: every snippet the README shows under
// *Embedding* is marked `<!-- snippet: NAME -->` on the line before its fenced block, and a test
// runs it (so the README cannot drift from what works).
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';

const README = resolve(import.meta.dirname, '../../README.md');

/**
 * The code of the fenced block that follows `<!-- snippet: NAME -->` in README.md.
 * @throws Error when the marker or its block is missing
 */
export function readmeSnippet(name: string): string {
  const text = readFileSync(README, 'utf8');
  const marker = `<!-- snippet: ${name} -->`;
  const at = text.indexOf(marker);
  if (at < 0) throw new Error(`README.md has no snippet marked "${marker}"`);
  const block = /^\s*```[^\n]*\n([\s\S]*?)^```/m.exec(text.slice(at + marker.length));
  if (!block?.[1]) throw new Error(`README.md: no fenced code block after "${marker}"`);
  return block[1];
}

/** The names of every snippet marked in README.md. */
export function readmeSnippetNames(): string[] {
  return [...readFileSync(README, 'utf8').matchAll(/<!-- snippet: ([\w-]+) -->/g)].map((m) => m[1]!);
}
