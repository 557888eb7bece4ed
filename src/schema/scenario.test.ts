import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { renderSchema, SCHEMAS } from '../../scripts/write-schemas.ts';
import { Scenario, ScenarioFile } from './scenario.ts';

const root = path.resolve(import.meta.dirname, '../..');

describe('JSON Schemas for editors', () => {
  for (const entry of SCHEMAS) {
    it(`${entry.path} is up to date (run \`npm run schema\` after changing a schema)`, async () => {
      const committed = await readFile(path.join(root, entry.path), 'utf8');
      expect(committed).toBe(renderSchema(entry));
    });
  }

  it('the scenario schema offers every field and kind to editors', () => {
    const json = JSON.parse(renderSchema(SCHEMAS[0]!)) as { anyOf: unknown[] };
    const text = JSON.stringify(json);
    expect(json.anyOf).toHaveLength(2);
    for (const kind of [
      '"mentions"',
      '"has-code-block"',
      '"asks-clarifying-questions"',
      '"rubric"',
      '"critical"',
      '"threshold"',
      '"examples"',
    ]) {
      expect(text).toContain(kind);
    }
  });
});

describe('Scenario schema', () => {
  const base = { id: 'x', title: 'X', request: 'hi', assert: [{ type: 'contains', value: 'a' }] };

  it('fills defaults', () => {
    expect(Scenario.parse(base)).toMatchObject({ tags: [], vars: {}, weight: 1, assert: [{ weight: 1, critical: false }] });
  });

  it('rejects unknown fields, out-of-range thresholds and word-count without bounds', () => {
    expect(Scenario.safeParse({ ...base, colour: 'red' }).success).toBe(false);
    expect(Scenario.safeParse({ ...base, threshold: 1.5 }).success).toBe(false);
    expect(Scenario.safeParse({ ...base, assert: [{ type: 'word-count' }] }).error?.issues[0]?.message).toBe(
      'expected "min", "max" or both',
    );
    expect(Scenario.safeParse({ ...base, assert: [{ type: 'word-count', min: 9, max: 3 }] }).success).toBe(false);
  });

  it('a file holds one scenario or a list', () => {
    expect(ScenarioFile.safeParse({ scenarios: [base] }).success).toBe(true);
    expect(ScenarioFile.safeParse({ scenarios: [] }).success).toBe(false);
  });
});
