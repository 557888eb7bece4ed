import path from 'node:path';
import { EvalConfigError, type Place, quoteValue, UserErrors } from '../errors.ts';
import { EvalConfig, type ModelSpec } from '../schema/eval-config.ts';
import { readTextFile, relPath } from './files.ts';
import { explainYamlError } from './yaml-hint.ts';
import { formatPath } from '../shared/issue-text.ts';
import { describeZodIssue, isYamlError, parseYamlSource } from './yaml-source.ts';

/**
 * Whether the engine can load a model id: undefined when it can, else its reason in one line. Given by
 * the command (the engine lives behind the execute seam); it must not call the model.
 */
export type ModelIdCheck = (id: string) => Promise<string | undefined>;

/**
 * Reads and validates an eval config (`evals/*.yaml`). Every problem is reported with file:line and
 * field; unknown fields are errors (a typo must not silently change what runs). With `checkModelId`,
 * every model id the engine would load (chat models, `modelMap` entries, graders) is checked too, in the
 * background: `modelIds` settles when done, rejecting with the one-line errors (the caller awaits it).
 */
export async function loadEvalConfig(
  root: string,
  configPath: string,
  opts: { checkModelId?: ModelIdCheck | undefined } = {},
): Promise<{ config: EvalConfig; file: string; modelIds?: Promise<void> }> {
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
    const first = explainYamlError(text, src.errors[0]!);
    throw new EvalConfigError(`broken YAML: ${first.message}`, { file, line: first.line, column: first.column });
  }
  const parsed = EvalConfig.safeParse(src.data ?? {}, { reportInput: true });
  if (!parsed.success) {
    const errors = parsed.error.issues.map((issue) => {
      const { message, place } = describeZodIssue(issue, src, file, EvalConfig);
      return new EvalConfigError(message, place);
    });
    throw errors.length === 1 ? errors[0]! : new UserErrors(errors);
  }
  if (!opts.checkModelId) return { config: parsed.data, file };
  const placeOf = (at: PropertyKey[]): Place => ({ file, field: formatPath(at), ...src.placeOf(at) });
  const modelIds = unloadableModelIds(parsed.data, opts.checkModelId, placeOf).then((errors) => {
    if (errors.length) throw errors.length === 1 ? errors[0]! : new UserErrors(errors);
  });
  // Awaited by the caller later; until then a failure must not count as unhandled.
  modelIds.catch(() => undefined);
  return { config: parsed.data, file, modelIds };
}

/**
 * Each model id the engine would load that it cannot: `gpt-4o` (no provider), `openai/stub-a` (OpenCode's
 * form on the chat runtime). Agent runtimes (`claude-code`, `opencode`) take bare model ids and are not
 * checked; graders always go through the engine.
 */
async function unloadableModelIds(
  config: EvalConfig,
  check: ModelIdCheck,
  placeOf: (path: PropertyKey[]) => Place,
): Promise<EvalConfigError[]> {
  const specs: Array<{ spec: ModelSpec; at: PropertyKey[]; grader?: boolean }> = [
    ...(config.models === 'from-agent' ? [] : config.models.map((spec, i) => ({ spec, at: ['models', i] }))),
    ...Object.entries(config.modelMap ?? {}).map(([hint, spec]) => ({ spec, at: ['modelMap', hint] })),
    ...(Array.isArray(config.grader)
      ? config.grader.map((spec, i) => ({ spec, at: ['grader', i], grader: true }))
      : config.grader
        ? [{ spec: config.grader, at: ['grader'], grader: true }]
        : []),
  ];
  const checked = new Map<string, Promise<string | undefined>>();
  const errors: EvalConfigError[] = [];
  for (const { spec, at, grader } of specs) {
    const id = typeof spec === 'string' ? spec : spec.id;
    if (!grader && typeof spec !== 'string' && (spec.runtime ?? 'chat') !== 'chat') continue;
    if (!checked.has(id)) checked.set(id, check(id));
    const reason = await checked.get(id)!;
    if (reason === undefined) continue;
    const place = placeOf(typeof spec === 'string' ? at : [...at, 'id']);
    errors.push(new EvalConfigError(`${quoteValue(id)} is not a model id promptfoo can load; ${expectedModelId(id)}`, place));
  }
  return errors;
}

/**
 * What to write instead of an id promptfoo does not know, from its shape.
 * @example expectedModelId('gpt-4o') // 'expected a promptfoo provider id such as "openai:chat:gpt-4o"'
 */
export function expectedModelId(id: string): string {
  const slash = /^([\w.-]+)\/(.+)$/.exec(id);
  if (slash && !id.includes(':')) {
    const [, provider, model] = slash;
    return `expected a promptfoo provider id such as ${JSON.stringify(providerId(provider!, model!))} (${JSON.stringify(id)} is OpenCode's provider/model form: with \`runtime: opencode\` the model runs in OpenCode)`;
  }
  if (!id.includes(':')) {
    const provider = /^claude/i.test(id) ? 'anthropic' : /^(gpt|o\d|chatgpt)/i.test(id) ? 'openai' : undefined;
    return provider
      ? `expected a promptfoo provider id such as ${JSON.stringify(providerId(provider, id))}`
      : `expected <provider>:<model>, such as "openai:chat:gpt-4.1-mini" or "ollama:chat:${id}" (https://promptfoo.dev/docs/providers/)`;
  }
  return `expected a provider promptfoo knows before the ":", such as openai:chat:<model> or anthropic:messages:<model> (https://promptfoo.dev/docs/providers/)`;
}

function providerId(provider: string, model: string): string {
  if (provider === 'openai') return `openai:chat:${model}`;
  if (provider === 'anthropic') return `anthropic:messages:${model}`;
  return `${provider}:${model}`;
}
