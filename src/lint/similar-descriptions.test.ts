import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { readAgentFiles } from '../load/discover-agents.ts';
import { SIMILAR_DESCRIPTIONS, similarDescriptions } from './similar-descriptions.ts';

const corpus = path.resolve(fileURLToPath(import.meta.url), '../../../test/fixtures/corpus/claude-code-agents');

describe('similarDescriptions', () => {
  it('finds the pair described in the same words, never two variants of one agent', () => {
    const pairs = similarDescriptions([
      { name: 'db', key: 'db.md', description: 'Use for Postgres schema design, indexes and migrations.' },
      { name: 'db', key: 'db2.md', description: 'Use for Postgres schema design, indexes and migrations!' },
      { name: 'dba', key: 'dba.md', description: 'Use for Postgres migrations, indexes and schema design.' },
      { name: 'docs', key: 'docs.md', description: 'Use when a README or changelog must be written.' },
    ]);
    expect(pairs.map((p) => [p.a.key, p.b.key, Number(p.similarity.toFixed(2))])).toEqual([
      ['db.md', 'dba.md', 1],
      ['db2.md', 'dba.md', 1],
    ]);
  });

  it('the threshold reported in docs/routing.md: 13 of the corpus` 12,403 pairs reach it, the real look-alikes first', async () => {
    const files = await readAgentFiles(corpus);
    const agents = files.map((f) => ({ name: f.variant!.name, description: f.variant!.description, key: f.variant!.name }));
    expect(agents).toHaveLength(158);
    const all = similarDescriptions(agents, 0);
    expect(all.length).toBeLessThanOrEqual((158 * 157) / 2);
    const flagged = similarDescriptions(agents);
    expect(flagged).toHaveLength(13);
    expect(flagged.every((p) => p.similarity >= SIMILAR_DESCRIPTIONS)).toBe(true);
    expect(flagged.slice(1, 3).map((p) => [p.a.key, p.b.key].sort().join(' ~ '))).toEqual([
      'flutter-expert ~ mobile-app-developer',
      'csharp-developer ~ dotnet-core-expert',
    ]);
  });
});
