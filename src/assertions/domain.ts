/**
 * Domain checks for architecture answers, written once as promptfoo custom (JavaScript) assertion
 * functions: `(output) => ({ pass, score, reason })`. Reasons say what was found or what is missing,
 * because a reason is what a maintainer reads when a cell fails.
 */
import type { AssertionFunction } from '../shared/engine-types.ts';

type Verdict = { pass: boolean; score: number; reason: string };

const quote = (s: string) => `"${s}"`;
const list = (items: string[], max = 5) =>
  items.length <= max ? items.map(quote).join(', ') : `${items.slice(0, max).map(quote).join(', ')} and ${items.length - max} more`;

/**
 * A term as a whole-word, case-insensitive pattern that also accepts its plural or singular form
 * (`index` ~ `indexes`, `strategy` ~ `strategies`) and treats a space or hyphen alike (`rate limiting`
 * ~ `rate-limiting`). Word edges are letters and digits, so `C#` or `OAuth2` work where `\b` would not.
 */
export function termPattern(term: string): RegExp {
  const base = term.trim().toLowerCase();
  const forms = new Set([base]);
  if (/[^aeiou]y$/.test(base)) forms.add(`${base.slice(0, -1)}ies`);
  if (/ies$/.test(base)) forms.add(`${base.slice(0, -3)}y`);
  if (/(?:s|x|z|ch|sh)es$/.test(base)) forms.add(base.slice(0, -2));
  if (/s$/.test(base) && !/ss$/.test(base)) forms.add(base.slice(0, -1));
  if (/(?:s|x|z|ch|sh)$/.test(base)) forms.add(`${base}es`);
  else if (!/s$/.test(base)) forms.add(`${base}s`);
  const alternatives = [...forms]
    .sort((a, b) => b.length - a.length)
    .map((f) => f.replace(/[.*+?^${}()|[\]\\]/g, '\\$&').replace(/[\s-]+/g, '[\\s-]+'));
  return new RegExp(`(?<![\\p{L}\\p{N}])(?:${alternatives.join('|')})(?![\\p{L}\\p{N}])`, 'iu');
}

/** Compiles the terms once per assertion (not once per answer): scoring runs for every cell. */
function termFinder(terms: string[]): (output: string) => { found: string[]; missing: string[] } {
  const patterns = terms.map((term) => [term, termPattern(term)] as const);
  return (output) => {
    const found: string[] = [];
    const missing: string[] = [];
    for (const [term, pattern] of patterns) (pattern.test(output) ? found : missing).push(term);
    return { found, missing };
  };
}

/** `mentions`: at least one of the terms appears. */
export function mentions(terms: string[]): AssertionFunction {
  const findTerms = termFinder(terms);
  return (output) => {
    const { found } = findTerms(output);
    return found.length > 0
      ? { pass: true, score: 1, reason: `mentions ${list(found)}` }
      : { pass: false, score: 0, reason: `mentions none of ${list(terms)}` };
  };
}

/** `mentions-all`: every term appears; the score is the share found. */
export function mentionsAll(terms: string[]): AssertionFunction {
  const findTerms = termFinder(terms);
  return (output) => {
    const { found, missing } = findTerms(output);
    const score = found.length / terms.length;
    return missing.length === 0
      ? { pass: true, score: 1, reason: `mentions all of ${list(terms)}` }
      : { pass: false, score, reason: `missing ${list(missing)}${found.length ? `; found ${list(found)}` : ''}` };
  };
}

/** Lines outside fenced code blocks, so that a `#` comment in a shell snippet is not a heading. */
function proseLines(output: string): string[] {
  const lines: string[] = [];
  let fence: string | undefined;
  for (const line of output.split('\n')) {
    const m = /^\s{0,3}(`{3,}|~{3,})/.exec(line);
    if (m) {
      if (fence === undefined) fence = m[1]![0]!;
      else if (m[1]![0] === fence) fence = undefined;
      continue;
    }
    if (fence === undefined) lines.push(line);
  }
  return lines;
}

/** ATX headings (`## Data model`) outside code blocks, as their text. */
export function headings(output: string): string[] {
  return proseLines(output).flatMap((line) => {
    const m = /^\s{0,3}#{1,6}\s+(.*?)\s*#*\s*$/.exec(line);
    return m ? [m[1]!] : [];
  });
}

/** `has-section`: a Markdown heading matches the pattern (case-insensitive). */
export function hasSection(pattern: string): AssertionFunction {
  const re = new RegExp(pattern, 'iu');
  return (output) => {
    const all = headings(output);
    const hit = all.find((h) => re.test(h));
    if (hit !== undefined) return { pass: true, score: 1, reason: `heading ${quote(hit)} matches /${pattern}/i` };
    return {
      pass: false,
      score: 0,
      reason: `no heading matches /${pattern}/i; ${all.length ? `headings: ${list(all)}` : 'the answer has no headings'}`,
    };
  };
}

/** Languages of fenced code blocks, in order; `''` for a block without an info string. */
export function codeBlockLanguages(output: string): string[] {
  const langs: string[] = [];
  let fence: string | undefined;
  for (const line of output.split('\n')) {
    const m = /^\s{0,3}(`{3,}|~{3,})\s*([^\s`]*)/.exec(line);
    if (!m) continue;
    if (fence === undefined) {
      fence = m[1]![0]!;
      langs.push(m[2]!.toLowerCase());
    } else if (m[1]![0] === fence && !m[2]) fence = undefined;
  }
  return langs;
}

/** `has-code-block`: a fenced block, of `language` when given. */
export function hasCodeBlock(language?: string): AssertionFunction {
  const want = language?.toLowerCase();
  return (output) => {
    const langs = codeBlockLanguages(output);
    const shown = langs.map((l) => l || 'no language');
    if (want === undefined) {
      return langs.length
        ? { pass: true, score: 1, reason: `${langs.length} code block${langs.length > 1 ? 's' : ''} (${shown.join(', ')})` }
        : { pass: false, score: 0, reason: 'no fenced code block' };
    }
    if (langs.includes(want)) return { pass: true, score: 1, reason: `has a ${want} code block` };
    return {
      pass: false,
      score: 0,
      reason: `no ${want} code block; ${langs.length ? `found ${shown.join(', ')}` : 'no fenced code block at all'}`,
    };
  };
}

const TABLE_DELIMITER = /^\s*\|?\s*:?-+:?\s*(\|\s*:?-+:?\s*)+\|?\s*$/;

/** Number of Markdown (GFM) tables outside code blocks: a header row followed by a `---|---` row. */
export function countTables(output: string): number {
  const lines = proseLines(output);
  let n = 0;
  for (let i = 1; i < lines.length; i++) {
    if (TABLE_DELIMITER.test(lines[i]!) && lines[i - 1]!.includes('|')) n++;
  }
  return n;
}

/** `has-table`: at least one Markdown table. */
export function hasTable(): AssertionFunction {
  return (output) => {
    const n = countTables(output);
    return n > 0
      ? { pass: true, score: 1, reason: `${n} Markdown table${n > 1 ? 's' : ''}` }
      : { pass: false, score: 0, reason: 'no Markdown table' };
  };
}

/**
 * Questions addressed to the user: sentences ending in `?` outside code blocks and headings that speak
 * to the reader (`you`, `your`) or stand as their own list item — the way clarifying questions are
 * asked. A rhetorical "Why Redis?" inside a paragraph does not count.
 */
export function clarifyingQuestions(output: string): string[] {
  const found: string[] = [];
  for (const line of proseLines(output)) {
    if (/^\s{0,3}#/.test(line)) continue;
    const listItem = /^\s*(?:[-*+]|\d+[.)])\s+/.test(line);
    const sentences = line.replace(/^\s*(?:[-*+]|\d+[.)])\s+/, '').match(/[^.!?]*\?/g) ?? [];
    for (const raw of sentences) {
      const q = raw.replace(/\*\*|__/g, '').trim();
      if (q.length < 4) continue;
      if (listItem || /\byou(?:r|rs)?\b/i.test(q)) found.push(q);
    }
  }
  return found;
}

/** `asks-clarifying-questions`: at least `min` questions addressed to the user. */
export function asksClarifyingQuestions(min: number): AssertionFunction {
  return (output) => {
    const qs = clarifyingQuestions(output);
    const score = Math.min(1, qs.length / min);
    const sample = qs.length ? `: ${list(qs, 3)}` : '';
    return qs.length >= min
      ? { pass: true, score: 1, reason: `asks ${qs.length} question${qs.length > 1 ? 's' : ''}${sample}` }
      : {
          pass: false,
          score,
          reason: `asks ${qs.length} question${qs.length === 1 ? '' : 's'} addressed to the user; expected at least ${min}${sample}`,
        };
  };
}

export function countWords(output: string): number {
  return output.match(/[\p{L}\p{N}][\p{L}\p{N}'’._/-]*/gu)?.length ?? 0;
}

/** `word-count`: length in words within `min..max` (either bound optional). */
export function wordCount(min?: number, max?: number): AssertionFunction {
  const range = min !== undefined && max !== undefined ? `${min}–${max}` : min !== undefined ? `at least ${min}` : `at most ${max}`;
  return (output): Verdict => {
    const n = countWords(output);
    const pass = (min === undefined || n >= min) && (max === undefined || n <= max);
    return { pass, score: pass ? 1 : 0, reason: `${n} words; expected ${range}` };
  };
}
