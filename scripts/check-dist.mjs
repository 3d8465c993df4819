// `npm pack` / `npm publish` (prepack): refuses to pack a package whose library build is missing.
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';

const root = resolve(import.meta.dirname, '..');
const needed = ['dist/index.js', 'dist/element.js', 'dist/livekit.js', 'dist/twilio.js', 'dist/assets.js', 'dist/types/index.d.ts', 'dist/assets/workers/engine.worker.js', 'dist/assets/models/manifest.json'];
const missing = needed.filter((file) => !existsSync(join(root, file)));
if (missing.length > 0) {
  console.error(`prepack: the library build is missing (${missing.join(', ')}) — run \`npm run build:lib\` first.`);
  process.exit(1);
}
