/**
 * A history file's text read as the program reads it: written to `reports/history.jsonl` of a fresh
 * folder and read there by `readHistory` (the streaming reader, with its fast path and lazy cells).
 * Call at the top level of a test file: the folders go when the file ends (an entry reads its cells
 * from its file until then).
 *
 * @example
 * const readHistoryText = historyTextReader();
 * const { entries, damaged } = await readHistoryText(`${historyLine(entry)}\n`);
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { historyFile, readHistory } from '../../src/io/history/history.ts';
import { tempDirs } from './temp-dirs.ts';

export function historyTextReader(): (text: string) => ReturnType<typeof readHistory> {
  const tempDir = tempDirs('agent-evals-history-');
  return (text) => {
    const root = tempDir();
    mkdirSync(path.dirname(historyFile(root)), { recursive: true });
    writeFileSync(historyFile(root), text);
    return readHistory(root);
  };
}
