// Enough of the ELF format to tell what a binary needs from the machine it runs on.
import { closeSync, openSync, readSync } from 'node:fs';

/** PT_INTERP: the program header naming the dynamic loader of a dynamically linked executable. */
const PT_INTERP = 3;

/** `length` bytes of the file at `offset` (fewer at its end). */
function readAt(fd: number, offset: number, length: number): Buffer {
  const bytes = Buffer.alloc(length);
  return bytes.subarray(0, readSync(fd, bytes, 0, length, offset));
}

/**
 * Whether an x86-64 ELF executable is statically linked (no PT_INTERP program header: the
 * kernel runs it without a dynamic loader or any shared library). Reads the headers only.
 * @throws Error when the file is not a 64-bit little-endian ELF file or its headers are truncated
 */
export function isStaticElf(path: string): boolean {
  const fd = openSync(path, 'r');
  try {
    const head = readAt(fd, 0, 64);
    if (head.length < 64 || head.readUInt32BE(0) !== 0x7f454c46) throw new Error(`${path} is not an ELF file`);
    if (head[4] !== 2 || head[5] !== 1) throw new Error(`${path} is not a 64-bit little-endian ELF file`);
    const phoff = Number(head.readBigUInt64LE(0x20));
    const phentsize = head.readUInt16LE(0x36);
    const phnum = head.readUInt16LE(0x38);
    const table = readAt(fd, phoff, phentsize * phnum);
    if (table.length < phentsize * phnum) throw new Error(`${path}: truncated program headers`);
    for (let i = 0; i < phnum; i++) if (table.readUInt32LE(i * phentsize) === PT_INTERP) return false;
    return true;
  } finally {
    closeSync(fd);
  }
}
