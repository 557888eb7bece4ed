import path from 'node:path';
import { EvalConfigError, UserErrors } from '../errors.ts';
import { EvalConfig } from '../schema/eval-config.ts';
import { readTextFile, relPath } from './files.ts';
import { describeZodIssue, isYamlError, parseYamlSource } from './yaml-source.ts';

/**
 * Reads and validates an eval config (`evals/*.yaml`). Every problem is reported with file:line and
 * field; unknown fields are errors (a typo must not silently change what runs).
 */
export async function loadEvalConfig(root: string, configPath: string): Promise<{ config: EvalConfig; file: string }> {
  const abs = path.resolve(root, configPath);
  // A config outside the project (`--config /etc/passwd`) is named by its own path, not by ../../..
  const inside = relPath(root, abs);
  const file = inside.startsWith('../') ? abs : inside;
  const { text } = await readTextFile(abs, file, { missing: 'file not found; expected an eval config such as evals/default.yaml' });
  if (!text.trim()) throw new EvalConfigError('empty file; expected an eval config with at least `models:`', { file });
  if (/^\t/m.test(text)) {
    const line = text.split('\n').findIndex((l) => l.startsWith('\t')) + 1;
    throw new EvalConfigError('tab used for indentation; YAML expects spaces', { file, line });
  }
  const src = parseYamlSource(text);
  if (isYamlError(src)) {
    const first = src.errors[0]!;
    throw new EvalConfigError(`broken YAML: ${first.message}`, { file, line: first.line, column: first.column });
  }
  const parsed = EvalConfig.safeParse(src.data ?? {}, { reportInput: true });
  if (!parsed.success) {
    const errors = parsed.error.issues.map((issue) => {
      const { message, place } = describeZodIssue(issue, src, file);
      return new EvalConfigError(message, place);
    });
    throw errors.length === 1 ? errors[0]! : new UserErrors(errors);
  }
  return { config: parsed.data, file };
}
