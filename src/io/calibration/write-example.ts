import { rm } from 'node:fs/promises';
import path from 'node:path';
import { DataFileError } from '../../errors.ts';
import { writeFileAtomic } from '../fs/atomic-write.ts';
import { pathExists } from '../fs/path-exists.ts';
import { addExampleToYaml, type ExampleEntry } from './yaml-example-entry.ts';

interface NewExample {
  root: string;
  /** The YAML scenario file, relative to the root. */
  scenarioFile: string;
  /** Its text as read just before (`load/files.ts` `readInputFile`: one-line errors). */
  scenarioText: string;
  scenarioId: string;
  side: 'pass' | 'fail';
  label?: string;
  /** The answer file's text, and its path relative to the scenario file (`examples/x.pass.md`). */
  answer: { file: string; text: string };
  /** The trajectory file's text and path, when the cell has one. */
  trajectory?: { file: string; text: string };
}

interface WrittenExample {
  /** Paths relative to the root, in the order written. */
  files: string[];
  /** Index of the new entry in `examples.<side>`, and its line in the scenario file. */
  index: number;
  line: number;
}

/**
 * Writes a reference example: its answer file, its trajectory file, then the scenario file with the
 * entry added (text inserted, the rest kept byte for byte: `addExampleToYaml`). Everything is checked
 * before anything is written (the example files must be new, the scenario file must still hold the
 * scenario); each file is written atomically, and a failure part-way removes the files already written,
 * so a one-line error leaves the project as it was.
 *
 * @example
 * await writeExample({ root, scenarioFile: 'scenarios/a.yaml', scenarioText, scenarioId: 'a', side: 'pass',
 *   answer: { file: 'examples/a.pass.md', text } }) // { files: ['scenarios/examples/a.pass.md', 'scenarios/a.yaml'], index: 1, line: 12 }
 */
export async function writeExample(e: NewExample): Promise<WrittenExample> {
  const scenarioAbs = path.join(e.root, e.scenarioFile);
  const dir = path.dirname(scenarioAbs);
  const entry: ExampleEntry = {
    ...(e.label !== undefined ? { label: e.label } : {}),
    file: e.answer.file,
    ...(e.trajectory ? { trajectory: e.trajectory.file } : {}),
  };
  const added = addExampleToYaml(e.scenarioText, e.scenarioFile, e.scenarioId, e.side, entry);
  const news = [e.answer, ...(e.trajectory ? [e.trajectory] : [])].map((f) => ({ abs: path.resolve(dir, f.file), text: f.text }));
  for (const f of news) {
    if (await pathExists(f.abs))
      throw new DataFileError('already exists; expected a new file (name the example with --label)', { file: relPath(e.root, f.abs) });
  }
  const written: string[] = [];
  try {
    for (const f of news) {
      await writeFileAtomic(f.abs, f.text);
      written.push(f.abs);
    }
    await writeFileAtomic(scenarioAbs, added.text);
  } catch (err) {
    await Promise.all(written.map((f) => rm(f, { force: true })));
    throw err;
  }
  return { files: [...written, scenarioAbs].map((f) => relPath(e.root, f)), index: added.index, line: added.line };
}

/** Path relative to the project root with forward slashes, for messages. */
function relPath(root: string, abs: string): string {
  return path.relative(root, abs).split(path.sep).join('/');
}
