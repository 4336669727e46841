// Reading a model or data file without trusting the path: only a regular file is read, and never more than
// its byte cap. A named pipe would block forever and /dev/zero never ends, so the kind of file is decided
// (through any symlink) before reading, and the read itself stops at the cap whatever stat said.

import { closeSync, constants, fstatSync, openSync, readSync, statSync, type Stats } from 'node:fs';

/** Every model file within this many bytes is parsed within about 4 s of CPU and 500 MB (see README "Limits"). */
export const MAX_MODEL_BYTES = 512 * 1024;
/** Every CSV within this many bytes is loaded within about 4 s of CPU and 450 MB (see README "Limits"). */
export const MAX_CSV_BYTES = 8 * 1024 * 1024;

export type ReadResult = { text: string } | { error: string };

/** `what` names the file in messages ("a model file", "a CSV file"). */
export function readRegularFile(path: string, maxBytes: number, what: string): ReadResult {
  let stats: Stats;
  try {
    stats = statSync(path);
  } catch (error) {
    return { error: describeError(error as NodeJS.ErrnoException) };
  }
  const refused = notRegular(stats, what);
  if (refused) return { error: refused };
  if (stats.size > maxBytes) return { error: tooLarge(stats.size, maxBytes, what) };
  let fd: number;
  try {
    // O_NONBLOCK: should the path have become a pipe since the stat, opening it must not wait for a writer.
    fd = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK);
  } catch (error) {
    return { error: describeError(error as NodeJS.ErrnoException) };
  }
  try {
    const opened = notRegular(fstatSync(fd), what);
    if (opened) return { error: opened };
    // One byte more than expected tells a file that grew after the stat (or lied about its size, as /proc
    // files do) from one that is exactly as large as it said.
    const buffer = Buffer.alloc(Math.min(stats.size, maxBytes) + 1);
    let length = 0;
    for (let read = 1; read > 0 && length < buffer.length; length += read) {
      read = readSync(fd, buffer, length, buffer.length - length, null);
    }
    if (length === buffer.length) return { error: 'changed while it was being read, or is not a plain file' };
    return { text: buffer.toString('utf8', 0, length) };
  } catch (error) {
    return { error: describeError(error as NodeJS.ErrnoException) };
  } finally {
    closeSync(fd);
  }
}

function notRegular(stats: Stats, what: string): string | undefined {
  if (stats.isFile()) return undefined;
  const kind = stats.isDirectory()
    ? 'a folder'
    : stats.isFIFO()
      ? 'a named pipe'
      : stats.isSocket()
        ? 'a socket'
        : stats.isCharacterDevice() || stats.isBlockDevice()
          ? 'a device'
          : 'not a regular file';
  return `is ${kind}, not ${what}; only regular files are read`;
}

export function tooLarge(size: number, maxBytes: number, what: string): string {
  return `is ${formatBytes(size)}; ${what} may be at most ${formatBytes(maxBytes)}`;
}

/** `8 MB` and `512 KB` for whole binary units, `524,289 bytes` otherwise (so a file just over a cap shows by how much). */
export function formatBytes(bytes: number): string {
  if (bytes % 1048576 === 0) return `${bytes / 1048576} MB`;
  if (bytes % 1024 === 0 && bytes < 1048576) return `${bytes / 1024} KB`;
  if (bytes >= 100 * 1048576) return `${Math.round(bytes / 1048576)} MB`;
  return `${bytes.toLocaleString('en-US')} bytes`;
}

function describeError(error: NodeJS.ErrnoException): string {
  switch (error.code) {
    case 'ENOENT':
      return 'file not found';
    case 'EACCES':
    case 'EPERM':
      return 'permission denied';
    case 'ELOOP':
      return 'too many levels of symbolic links';
    case 'ENOTDIR':
      return 'a part of the path is not a folder';
    default:
      return error.message;
  }
}
