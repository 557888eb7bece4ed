/**
 * `bless` on a git tree whose inputs (agents/, scenarios/, evals/) have uncommitted changes: it warns in one
 * line and records them in reports/baseline.json, so a baseline made from prompts no commit holds says so.
 */
import { appendFileSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { AGENT_FILES, scenarioYaml } from '../support/mini-project.ts';
import { git, uniform, writeRun } from '../support/ci-project.ts';
import { createProject } from '../support/project-fixture.ts';
import { runCliOn } from '../support/run-cli.ts';

const RUN = '20260101-000000-base';
const baselineOf = (root: string) =>
  JSON.parse(readFileSync(path.join(root, 'reports', 'baseline.json'), 'utf8')) as { runId: string; uncommitted?: unknown };

describe('bless on a dirty git tree', () => {
  it('warns naming the uncommitted inputs and records them in the baseline; a clean tree or other files change nothing', async () => {
    using p = createProject({
      seedAgents: false,
      files: {
        ...AGENT_FILES,
        'scenarios/s1.yaml': scenarioYaml(1),
        'scenarios/s2.yaml': scenarioYaml(2),
        'notes.md': 'notes\n',
        '.gitignore': 'reports/runs/\nscenarios/*.local.yaml\n',
      },
      evalConfig: { models: ['openai:chat:m1'] },
    });
    writeRun(p.root, RUN, uniform('helper/brief', 2, 'PP'));
    git(p.root, 'init', '-q');
    git(p.root, 'add', '.');
    git(p.root, 'commit', '-q', '-m', 'inputs');

    // Clean inputs; a changed file elsewhere and an ignored one under scenarios/ do not count.
    appendFileSync(path.join(p.root, 'notes.md'), 'more\n');
    writeFileSync(path.join(p.root, 'scenarios/mine.local.yaml'), scenarioYaml(9));
    const clean = await runCliOn(p.root, ['bless', RUN]);
    expect(clean.code, clean.stderr).toBe(0);
    expect(clean.stderr).toBe('');
    expect(baselineOf(p.root).uncommitted).toBeUndefined();

    // An edited prompt, a new (untracked) scenario, a deleted one, a staged config change.
    appendFileSync(path.join(p.root, 'agents/helper/terse.md'), '\nNever mention shipping.\n');
    writeFileSync(path.join(p.root, 'scenarios/s3.yaml'), scenarioYaml(3));
    rmSync(path.join(p.root, 'scenarios/s2.yaml'));
    appendFileSync(path.join(p.root, 'evals/default.yaml'), 'repeats: 2\n');
    git(p.root, 'add', 'evals/default.yaml');
    const dirty = await runCliOn(p.root, ['bless', RUN]);
    expect(dirty.code, dirty.stderr).toBe(0);
    expect(dirty.stderr.trim().split('\n')).toEqual([
      'warning: bless: 4 files under agents/, scenarios/, evals/ differ from the last commit (agents/helper/terse.md, evals/default.yaml, scenarios/s2.yaml, scenarios/s3.yaml): the baseline records them as uncommitted; commit them with reports/baseline.json, or later runs are gated against inputs no commit holds',
    ]);
    expect(baselineOf(p.root)).toMatchObject({
      runId: RUN,
      uncommitted: { count: 4, files: ['agents/helper/terse.md', 'evals/default.yaml', 'scenarios/s2.yaml', 'scenarios/s3.yaml'] },
    });
    // The baseline still reads (gate takes it).
    expect((await runCliOn(p.root, ['gate', '--run', RUN])).stderr).not.toMatch(/baseline\.json/);
  });
});
