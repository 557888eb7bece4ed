import { stat } from 'node:fs/promises';

/** Whether anything (file or folder) is at `file`; unreadable counts as absent. */
export function pathExists(file: string): Promise<boolean> {
  return stat(file).then(
    () => true,
    () => false,
  );
}
