// Writes a file so that a reader, or a kill at any moment, sees either the old file whole or the
// new one whole: the text goes to a temporary file in the same folder, is flushed to disk, and
// then renamed over the target (one atomic step on the same file system).
import {
  chmodSync,
  closeSync,
  fsyncSync,
  mkdirSync,
  openSync,
  renameSync,
  statSync,
  unlinkSync,
  writeSync,
} from 'node:fs';
import { randomBytes } from 'node:crypto';
import { basename, dirname, join } from 'node:path';

function temporaryPathFor(path: string): string {
  return join(dirname(path), `.${basename(path)}.${process.pid}-${randomBytes(4).toString('hex')}.tmp`);
}

/** Replaces `path` with `text` atomically, keeping the old file's permissions; creates its folder. */
export function writeFileAtomically(path: string, text: string): void {
  mkdirSync(dirname(path), { recursive: true });
  const temporary = temporaryPathFor(path);
  const descriptor = openSync(temporary, 'wx');
  try {
    try {
      const bytes = Buffer.from(text, 'utf8');
      for (let written = 0; written < bytes.length;)
        written += writeSync(descriptor, bytes, written, bytes.length - written);
      fsyncSync(descriptor);
    } finally {
      closeSync(descriptor);
    }
    const previousMode = statSync(path, { throwIfNoEntry: false })?.mode;
    if (previousMode !== undefined) chmodSync(temporary, previousMode & 0o7777);
    renameSync(temporary, path);
  } catch (error) {
    unlinkSync(temporary);
    throw error;
  }
}
