import { describe, expect, it } from 'vitest';
import { clarifyingQuestions, codeBlockLanguages, countTables, countWords, headings, termPattern } from './domain.ts';

describe('termPattern', () => {
  it('is case- and plural-insensitive and treats space and hyphen alike', () => {
    expect(termPattern('index').test('two INDEXES')).toBe(true);
    expect(termPattern('strategy').test('caching strategies')).toBe(true);
    expect(termPattern('strategies').test('one strategy')).toBe(true);
    expect(termPattern('webhooks').test('a webhook')).toBe(true);
    expect(termPattern('rate limiting').test('rate-limiting rules')).toBe(true);
  });

  it('matches whole words only, also for terms with symbols', () => {
    expect(termPattern('JWT').test('JWTs')).toBe(true);
    expect(termPattern('JWT').test('myjwtlib')).toBe(false);
    expect(termPattern('index').test('reindexing')).toBe(false);
    expect(termPattern('OAuth2').test('Use OAuth2.')).toBe(true);
    expect(termPattern('C#').test('written in C#, fast')).toBe(true);
  });
});

describe('Markdown structure', () => {
  const doc =
    '# Title\n\n```bash\n# not a heading\n| a | b |\n|---|---|\n```\n\n## Data model ##\n\n| a | b |\n| :-- | --: |\n| 1 | 2 |\n\n~~~SQL\nselect 1;\n~~~\n';

  it('finds headings, tables and code blocks outside code blocks', () => {
    expect(headings(doc)).toEqual(['Title', 'Data model']);
    expect(countTables(doc)).toBe(1);
    expect(codeBlockLanguages(doc)).toEqual(['bash', 'sql']);
    expect(codeBlockLanguages('```\nx\n```')).toEqual(['']);
  });

  it('counts questions addressed to the user, not rhetorical ones', () => {
    const text = '## Why Redis?\n\nWhy Redis? It is fast. What is your budget? Also:\n- Which cloud?\n- Kafka.\n\n```\nwhy?\n```\n';
    expect(clarifyingQuestions(text)).toEqual(['What is your budget?', 'Which cloud?']);
  });

  it('counts words', () => {
    expect(countWords("It's a read-heavy service: 50 million events/day.")).toBe(7);
    expect(countWords('')).toBe(0);
  });
});
