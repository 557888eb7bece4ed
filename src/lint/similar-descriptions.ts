/**
 * Sibling descriptions the main agent cannot tell apart (pure). The main agent picks a subagent from its
 * description alone, so two agents described in the same words split requests between them by chance.
 *
 * Measure: cosine similarity of TF-IDF vectors over the descriptions' words (lower-cased, three letters or
 * more, common function words and `<example>` blocks left out; smoothed IDF, ln((1 + n) / (1 + df)) + 1, over one
 * description per agent). Threshold 0.4, from the 158 real Claude Code agents of the lint corpus: 13 of their
 * 12,403 pairs reach it (0.1 %), every one a pair a reader would confuse too (flutter-expert ~ mobile-app-developer,
 * csharp-developer ~ dotnet-core-expert, deployment-engineer ~ devops-engineer); the median pair scores 0.00
 * and the 99th percentile 0.19. Within the corpus' own category folders (sets of 8–27 siblings, where IDF is
 * computed from fewer descriptions) 7 of 1,310 pairs reach it. docs/routing.md has the table.
 */

/** Cosine similarity at which two agents' descriptions are reported as near-identical. */
export const SIMILAR_DESCRIPTIONS = 0.4;

const STOP = new Set(
  'the and for with this that use agent when you your are from into its can will should need needs using used about any all also such via who what which while where how have has been like more most other than then them they their there these those our out not but one two'.split(
    ' ',
  ),
);

/** The words a description is compared by. */
function descriptionWords(description: string): string[] {
  const text = description.replace(/<example>[\s\S]*?<\/example>/gi, ' ').toLowerCase();
  return (text.match(/[a-z0-9]+/g) ?? []).filter((w) => w.length > 2 && !STOP.has(w));
}

interface DescribedAgent {
  /** Agent name: descriptions of one agent's variants are never compared with each other. */
  name: string;
  description: string;
  /** Anything that identifies the variant to the caller (its file). */
  key: string;
}

interface SimilarPair {
  a: DescribedAgent;
  b: DescribedAgent;
  similarity: number;
}

/**
 * Every pair of variants of different agents whose descriptions reach `threshold`, most similar first.
 *
 * @example similarDescriptions([{ name: 'a', key: 'a.md', description: 'Use for Postgres schema design' }, { name: 'b', key: 'b.md', description: 'Use for Postgres schema design and indexes' }])[0]?.similarity // ≈ 0.8
 */
export function similarDescriptions(agents: readonly DescribedAgent[], threshold = SIMILAR_DESCRIPTIONS): SimilarPair[] {
  // IDF over one description per agent: five variants of one agent must not make its own words look common.
  const firstOf = new Map<string, string[]>();
  for (const a of agents) if (!firstOf.has(a.name)) firstOf.set(a.name, descriptionWords(a.description));
  const n = firstOf.size;
  const df = new Map<string, number>();
  for (const words of firstOf.values()) for (const w of new Set(words)) df.set(w, (df.get(w) ?? 0) + 1);
  const idf = (w: string) => Math.log((1 + n) / (1 + (df.get(w) ?? 0))) + 1;
  const vectors = agents.map((a) => unit(descriptionWords(a.description), idf));
  const pairs: SimilarPair[] = [];
  for (let i = 0; i < agents.length; i++) {
    for (let j = i + 1; j < agents.length; j++) {
      if (agents[i]!.name === agents[j]!.name) continue;
      const similarity = cosine(vectors[i]!, vectors[j]!);
      if (similarity >= threshold) pairs.push({ a: agents[i]!, b: agents[j]!, similarity });
    }
  }
  return pairs.sort((x, y) => y.similarity - x.similarity);
}

function unit(words: string[], idf: (w: string) => number): Map<string, number> {
  const tf = new Map<string, number>();
  for (const w of words) tf.set(w, (tf.get(w) ?? 0) + 1);
  const v = new Map<string, number>();
  let norm = 0;
  for (const [w, c] of tf) {
    const x = c * idf(w);
    v.set(w, x);
    norm += x * x;
  }
  norm = Math.sqrt(norm) || 1;
  for (const [w, x] of v) v.set(w, x / norm);
  return v;
}

function cosine(a: Map<string, number>, b: Map<string, number>): number {
  const [small, large] = a.size <= b.size ? [a, b] : [b, a];
  let sum = 0;
  for (const [w, x] of small) sum += x * (large.get(w) ?? 0);
  return sum;
}
