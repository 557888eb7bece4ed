import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { EvalConfig } from '../schema/eval-config.ts';
import { starterFiles } from './starter-files.ts';

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const workflows = {
  gate: readFileSync(path.join(REPO, '.github/workflows/eval.yml'), 'utf8'),
  baseline: readFileSync(path.join(REPO, '.github/workflows/eval-baseline.yml'), 'utf8'),
};

describe('starterFiles', () => {
  const files = starterFiles({ agentNames: ['reviewer', 'docs-writer'], workflows });
  const byPath = new Map(files.map((f) => [f.path, f.text]));

  it('an eval config that selects every agent (one added later is picked up), saying how to narrow it; valid against the schema', () => {
    const text = byPath.get('evals/default.yaml')!;
    const config = EvalConfig.parse(parse(text));
    expect(config.agents).toBeUndefined();
    expect(text).toContain('# agents: ["reviewer", "docs-writer"]');
  });

  it('the eval config and the example scenario point editors at the JSON schemas init writes beside them', () => {
    const target = (file: string) => {
      const m = /^# yaml-language-server: \$schema=(\S+)$/m.exec(byPath.get(file)!);
      return m ? path.posix.join(path.posix.dirname(file), m[1]!) : undefined;
    };
    expect(target('evals/default.yaml')).toBe('evals/eval.schema.json');
    expect(target('scenarios/reviewer/example.yaml')).toBe('scenarios/scenario.schema.json');
  });

  it('the example scenario belongs to the first agent', () => {
    expect(parse(byPath.get('scenarios/reviewer/example.yaml')!)).toMatchObject({ id: 'example', agent: 'reviewer' });
  });

  it("the workflows call the installed CLI and run on a change where the agents live, as this repository's own do", () => {
    for (const file of ['.github/workflows/agent-evals.yml', '.github/workflows/agent-evals-baseline.yml']) {
      const text = byPath.get(file)!;
      expect(text).not.toContain('npm run');
      expect(text).not.toContain('bin/agent-evals.js');
      const on = (parse(text) as { on: Record<string, { paths?: string[] }> }).on;
      const paths = (on.pull_request ?? on.push)!.paths;
      expect(paths).toEqual([
        'agents/**',
        '.claude/agents/**',
        '.opencode/**',
        'opencode.json',
        'opencode.jsonc',
        'scenarios/**',
        'evals/**',
      ]);
    }
    expect(byPath.get('.github/workflows/agent-evals.yml')).toContain(
      'npx agent-evals eval --ci --changed-since "$BASE_REF" --baseline "$BASE_REF"',
    );
    expect(byPath.get('.github/workflows/agent-evals-baseline.yml')).toContain('npx agent-evals merge shards/');
  });
});
