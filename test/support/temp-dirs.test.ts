/**
 * `memoryBackedTmpdir` falls back to the system's temp folder whenever the candidate cannot hold an install:
 * missing, not a tmpfs, or without the room asked for.
 */
import { tmpdir } from 'node:os';
import { describe, expect, it } from 'vitest';
import { memoryBackedTmpdir } from './temp-dirs.ts';

describe('memoryBackedTmpdir', () => {
  it('falls back to the system temp folder for a folder that does not exist', () => {
    expect(memoryBackedTmpdir(1, '/no/such/folder')).toBe(tmpdir());
  });

  it('falls back for a file system that is not a tmpfs (/proc)', () => {
    expect(memoryBackedTmpdir(0, '/proc')).toBe(tmpdir());
  });

  it('falls back when the tmpfs has less room than asked for', () => {
    expect(memoryBackedTmpdir(2 ** 60, '/dev/shm')).toBe(tmpdir());
  });
});
