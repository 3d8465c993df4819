// Layering: the command-line tools in scripts/ never import from test/. The pages in test/
// import the protocols they share with the commands from scripts/lib (test → scripts is
// allowed, scripts → test is not). Reads every script's import specifiers (static, type-only,
// re-exports, dynamic import() and require()) with TypeScript's pre-processor.
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, extname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as ts from 'typescript';
import { describe, expect, it } from 'vitest';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const SCRIPTS = join(ROOT, 'scripts');
const TEST = join(ROOT, 'test');
const CODE = new Set(['.ts', '.mts', '.cts', '.js', '.mjs', '.cjs']);

/** Every code file under `dir`, recursively (absolute paths). */
function codeFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return entry.name === 'node_modules' ? [] : codeFiles(path);
    return entry.isFile() && CODE.has(extname(entry.name)) ? [path] : [];
  });
}

/** The module specifiers a source imports: `import`, `import type`, `export … from`, `import()` and `require()`. */
function importSpecifiers(source: string): string[] {
  return ts.preProcessFile(source, true, true).importedFiles.map((f) => f.fileName);
}

/** Whether `path` (absolute) is test/ or inside it. */
function inTest(path: string): boolean {
  const rel = relative(TEST, path);
  return !rel.startsWith('..') && !isAbsolute(rel);
}

/** The specifiers of `source` (a file at `file`) that point into test/: relative or absolute paths there, or a bare `test/…`. */
function importsFromTest(source: string, file: string): string[] {
  return importSpecifiers(source).filter((specifier) =>
    specifier.startsWith('.') || isAbsolute(specifier) ? inTest(resolve(dirname(file), specifier)) : specifier === 'test' || specifier.startsWith('test/'),
  );
}

describe('layering', () => {
  it('finds the imports of a file in every form', () => {
    const file = join(SCRIPTS, 'lib', 'example.ts');
    const source = [
      "import type { A } from '../../test/bench/protocol';",
      "import {\n  B,\n  C,\n} from '../frames';",
      "export { D } from '../../test/soak/soak';",
      "import '../../test/side-effect';",
      "const e = await import('../../test/dynamic');",
      "const f = require('../../test/required');",
      "import g from 'test/bare';",
      "await page.goto(`${url}test/bench/encode.html`); // from '../../test/comment' in a URL string",
      "import { h } from '../../testdata/ok';",
      "import { i } from 'vitest';",
    ].join('\n');
    expect(importSpecifiers(source)).toEqual(expect.arrayContaining(['../../test/bench/protocol', '../frames', '../../test/dynamic', '../../test/required']));
    expect(importsFromTest(source, file)).toEqual([
      '../../test/bench/protocol',
      '../../test/soak/soak',
      '../../test/side-effect',
      '../../test/dynamic',
      '../../test/required',
      'test/bare',
    ]);
  });

  it('no file under scripts/ imports from test/', () => {
    const files = codeFiles(SCRIPTS);
    expect(files.length).toBeGreaterThan(10);
    const offending = files.flatMap((file) =>
      importsFromTest(readFileSync(file, 'utf8'), file).map((specifier) => `${relative(ROOT, file).split(sep).join('/')}: ${specifier}`),
    );
    expect(offending, 'scripts/ must not import from test/: move the shared declarations into scripts/lib and import them from test/').toEqual([]);
  });
});
