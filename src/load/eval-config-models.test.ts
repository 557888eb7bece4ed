import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { UserErrors } from '../errors.ts';
import { expectedModelId, loadEvalConfig } from './eval-config.ts';

const roots: string[] = [];
afterEach(() => {
  for (const r of roots.splice(0)) rmSync(r, { recursive: true, force: true });
});

function project(yaml: string): string {
  const root = mkdtempSync(path.join(tmpdir(), 'eval-config-models-'));
  roots.push(root);
  mkdirSync(path.join(root, 'evals'));
  writeFileSync(path.join(root, 'evals', 'default.yaml'), yaml);
  return root;
}

/** Knows ids of the form provider:model only, and counts what it was asked. */
function checker() {
  const asked: string[] = [];
  const check = async (id: string) => {
    asked.push(id);
    return id.includes(':') ? undefined : `Could not identify provider: ${id}.`;
  };
  return { asked, check };
}

async function errorsOf(yaml: string): Promise<string[]> {
  const { check } = checker();
  const loaded = await loadEvalConfig(project(yaml), 'evals/default.yaml', { checkModelId: check });
  const err = await loaded.modelIds!.then(
    () => undefined,
    (e: Error) => e,
  );
  if (!err) return [];
  return err instanceof UserErrors ? err.errors.map((e) => e.message) : [err.message];
}

describe('loadEvalConfig: model ids', () => {
  it('names each id the engine cannot load at its line and field: models, modelMap, grader', async () => {
    expect(
      await errorsOf(
        'models:\n  - gpt-4o\n  - id: openai/stub-a\nmodelMap:\n  sonnet: { id: claude-sonnet-4-5 }\ngrader: [openai:chat:g, judge]\n',
      ),
    ).toEqual([
      'evals/default.yaml:2:5: models[0]: "gpt-4o" is not a model id promptfoo can load; expected a promptfoo provider id such as "openai:chat:gpt-4o"',
      'evals/default.yaml:3:9: models[1].id: "openai/stub-a" is not a model id promptfoo can load; expected a promptfoo provider id such as "openai:chat:stub-a" ("openai/stub-a" is OpenCode\'s provider/model form: with `runtime: opencode` the model runs in OpenCode)',
      'evals/default.yaml:5:17: modelMap.sonnet.id: "claude-sonnet-4-5" is not a model id promptfoo can load; expected a promptfoo provider id such as "anthropic:messages:claude-sonnet-4-5"',
      'evals/default.yaml:6:25: grader[1]: "judge" is not a model id promptfoo can load; expected <provider>:<model>, such as "openai:chat:gpt-4.1-mini" or "ollama:chat:judge" (https://promptfoo.dev/docs/providers/)',
    ]);
  });

  it('asks once per id, and never for agent runtimes (they take a bare model id)', async () => {
    const { asked, check } = checker();
    const root = project(
      'models:\n  - openai:chat:a\n  - { id: openai:chat:a, label: again }\n  - { id: claude-test-model, runtime: claude-code }\n  - { id: test-model, runtime: opencode }\n',
    );
    await (await loadEvalConfig(root, 'evals/default.yaml', { checkModelId: check })).modelIds;
    expect(asked).toEqual(['openai:chat:a']);
    // Without a checker (gate, calibrate reading a config) nothing is asked.
    expect((await loadEvalConfig(project('models: [gpt-4o]\n'), 'evals/default.yaml')).modelIds).toBeUndefined();
  });

  it('says what to write for an unknown provider prefix', () => {
    expect(expectedModelId('foo:bar')).toMatch(/^expected a provider promptfoo knows before the ":"/);
    expect(expectedModelId('mistral/large')).toMatch(/^expected a promptfoo provider id such as "mistral:large"/);
  });
});
