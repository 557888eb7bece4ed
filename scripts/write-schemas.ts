/**
 * Writes the JSON Schemas that editors use to complete and check input files (`npm run schema`).
 * Each entry pairs a zod schema with the file it is written to; a test fails when a committed file is
 * stale, so run this after changing a schema.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { ScenarioFile } from '../src/schema/scenario.ts';
import { EvalConfig } from '../src/schema/eval-config.ts';
import { Trajectory } from '../src/schema/trajectory.ts';
import { RoutingSuiteFile } from '../src/schema/routing.ts';

export interface SchemaEntry {
  schema: z.ZodType;
  /** Relative to the project root. */
  path: string;
  title: string;
}

export const SCHEMAS: SchemaEntry[] = [
  { schema: ScenarioFile, path: 'scenarios/scenario.schema.json', title: 'agent-evals scenario file' },
  { schema: EvalConfig, path: 'evals/eval.schema.json', title: 'agent-evals eval config' },
  { schema: Trajectory, path: 'scenarios/trajectory.schema.json', title: 'agent-evals trajectory (what an agent did in one cell)' },
  { schema: RoutingSuiteFile, path: 'routing/routing.schema.json', title: 'agent-evals routing suite' },
];

/** The file's text: input-side JSON Schema (defaults make fields optional), stable formatting. */
export function renderSchema(entry: SchemaEntry): string {
  const json = z.toJSONSchema(entry.schema, { io: 'input', unrepresentable: 'any', reused: 'ref' });
  return `${JSON.stringify({ ...json, title: entry.title }, null, 2)}\n`;
}

export async function writeSchemas(root: string): Promise<string[]> {
  const written: string[] = [];
  for (const entry of SCHEMAS) {
    const abs = path.join(root, entry.path);
    await mkdir(path.dirname(abs), { recursive: true });
    await writeFile(abs, renderSchema(entry));
    written.push(entry.path);
  }
  return written;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
  for (const file of await writeSchemas(root)) process.stdout.write(`wrote ${file}\n`);
}
