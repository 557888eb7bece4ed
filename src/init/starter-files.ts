/**
 * The files `agent-evals init` adds to a repository that already holds agents: an eval config, one
 * example scenario with reference answers, and the two GitHub workflows. Pure: data in, file texts out.
 */

/** Where the harness looks for agents, as GitHub path filters: a change there re-runs the gate. */
const AGENT_PATH_FILTERS = ["'.claude/agents/**'", "'.opencode/**'", "'opencode.json'", "'opencode.jsonc'"];

export interface StarterFile {
  /** Path relative to the repository root. */
  path: string;
  text: string;
}

/**
 * The starter files for a repository whose agents are `agentNames` (the first one gets the example
 * scenario). `workflows` are this package's own workflow files, rewritten to call the installed CLI.
 *
 * @example
 * starterFiles({ agentNames: ['reviewer'], workflows: { gate: '…', baseline: '…' } }).map((f) => f.path)
 * // ['evals/default.yaml', 'scenarios/reviewer/example.yaml', '.github/workflows/agent-evals.yml', '.github/workflows/agent-evals-baseline.yml']
 */
export function starterFiles(input: { agentNames: string[]; workflows: { gate: string; baseline: string } }): StarterFile[] {
  const agent = input.agentNames[0];
  return [
    { path: 'evals/default.yaml', text: evalConfig(input.agentNames) },
    { path: `scenarios/${agent ?? 'example'}/example.yaml`, text: exampleScenario(agent) },
    { path: '.github/workflows/agent-evals.yml', text: forInstalledCli(input.workflows.gate) },
    { path: '.github/workflows/agent-evals-baseline.yml', text: forInstalledCli(input.workflows.baseline) },
  ];
}

function evalConfig(agentNames: string[]): string {
  // No `agents:` line: every agent found runs, so one added later is picked up; the comment says how to narrow it.
  const names = agentNames.length > 0 ? agentNames.map((n) => JSON.stringify(n)).join(', ') : '"my-agent"';
  const agents = `# Every agent found runs. To run only some, name them (an agent added later then needs adding here):\n# agents: [${names}]\n`;
  return `# yaml-language-server: $schema=./eval.schema.json
# The default eval: \`npx agent-evals eval\`. Each agent variant on a hosted model, every scenario,
# three repeats. With no API key the run still lints, calibrates and says how to enable a model.
description: agent regression tests
${agents}models:
  - id: anthropic:messages:claude-sonnet-4-5
    label: claude-sonnet-4.5
    config: { max_tokens: 2048 }
# Rubric assertions need a grader model, never the model under test:
# grader: { id: openai:chat:gpt-4.1, config: { temperature: 0 } }
repeats: 3
concurrency: 8
timeoutMs: 120000
thresholds:
  passRate: 0.5
  criticalMustPass: true
  errorBudget: 0.1
`;
}

function exampleScenario(agent: string | undefined): string {
  return `# yaml-language-server: $schema=../scenario.schema.json
# An example scenario: one request, what a good answer must (not) do, and reference answers that
# \`agent-evals calibrate\` uses to prove each assertion tells a good answer from a bad one.
id: example
title: Says what it does, briefly
${agent ? `agent: ${JSON.stringify(agent)}\n` : ''}request: In two or three sentences, what do you do, and when should I ask you?
assert:
  - type: word-count
    id: brief
    max: 60
  - type: not-regex
    id: no-boilerplate
    value: '[Aa]s an AI (language )?model'
examples:
  pass:
    - label: brief and direct
      text: I review pull requests for correctness and security. Ask me before you merge a change.
  fail:
    - label: boilerplate
      text: As an AI language model, I can help with many things.
    - label: rambling
      text: >-
        Well, that depends on a great many things, and I would like to take a moment to walk you through
        all of them in turn, starting with the history of how I came to be set up in this repository,
        then the many kinds of request I have seen, and finally a long list of the situations in which
        you might, or might not, want to consider asking me for help with your work.
`;
}

/** This repository's workflows call `npm run eval -- …`; an installed package is called with npx. */
function forInstalledCli(workflow: string): string {
  return workflow
    .replaceAll('npm run eval --', 'npx agent-evals eval')
    .replaceAll('npm run agent-evals --', 'npx agent-evals')
    .replaceAll('node bin/agent-evals.js', 'npx agent-evals')
    .replace(/^(\s*)- 'agents\/\*\*'$/m, (line, indent: string) => [line, ...AGENT_PATH_FILTERS.map((f) => `${indent}- ${f}`)].join('\n'));
}
