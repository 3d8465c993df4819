/**
 * Installs the `buffer` package's Buffer on globalThis when the platform has none (the
 * browser), because ts-ebml calls the Node global `Buffer` directly. Where a Buffer already
 * exists (Node, vitest, tsx) it is left untouched. Import this module before `ts-ebml`.
 */
import { Buffer as BufferPolyfill } from 'buffer';

const scope = globalThis as { Buffer?: unknown };
if (scope.Buffer === undefined) scope.Buffer = BufferPolyfill;
