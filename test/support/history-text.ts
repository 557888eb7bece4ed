/**
 * A history file's text read as the program reads it: written to `reports/history.jsonl` of a fresh
 * folder and read there by `readHistory` (the streaming reader, with its fast path and lazy cells).
 *
 * @example
 * const { entries, damaged } = await readHistoryText(`${historyLine(entry)}\n`);
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll } from 'vitest';
import { historyFile, readHistory } from '../../src/io/history.ts';

const roots: string[] = [];
afterAll(() => {
  for (const root of roots.splice(0)) rmSync(root, { recursive: true, force: true });
});

export async function readHistoryText(text: string): ReturnType<typeof readHistory> {
  const root = mkdtempSync(path.join(tmpdir(), 'agent-evals-history-'));
  roots.push(root);
  mkdirSync(path.dirname(historyFile(root)), { recursive: true });
  writeFileSync(historyFile(root), text);
  return readHistory(root);
}
