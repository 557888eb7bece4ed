import picomatch from 'picomatch';
import type { AgentVariant } from '../schema/agent.ts';
import type { EvalConfig } from '../schema/eval-config.ts';
import { type ResolvedModel, resolveModel } from '../schema/models.ts';
import { cellKey } from '../schema/cell-key.ts';
import { UsageError } from '../errors.ts';

/**
 * The most cells one eval may plan. Far above any real suite (the 10,000-cell benchmark), low enough
 * that a typo such as `--repeat 1e9` is refused at once instead of exhausting memory.
 */
const MAX_CELLS = 200_000;

/**
 * Pure matrix expansion: (variants, models, scenarios, repeats) → cells. No I/O here; the eval
 * command loads inputs, this decides what runs, the engine seam runs it.
 */

// Model resolution is shared with the finish stage (the grader, resolved again after the run): schema/models.ts.
// The cell key is shared with merge (finish/), which names the cells a shard is missing: schema/cell-key.ts.

/** What the matrix needs of a scenario (the loaded scenario has more). */
export interface MatrixScenario {
  id: string;
  tags: string[];
  hash: string;
  assertionsHash: string;
  /** Only an agent runtime can run it (a workspace, or assertions on what the agent did). */
  agentic?: boolean;
}

export interface Cell<S extends MatrixScenario = MatrixScenario> {
  cellId: string;
  variant: AgentVariant;
  model: ResolvedModel;
  scenario: S;
  repeat: number;
}

/** A variant that cannot run on any model, with the reason (e.g. no `modelMap` entry for its hint). */
interface Unmapped {
  variantId: string;
  reason: string;
}

/** Does `name`/`id` match one of the patterns (exact name, exact id, or glob over either)? */
function matchesAny(patterns: readonly string[] | undefined, ...candidates: string[]): boolean {
  if (!patterns || patterns.length === 0) return true;
  return patterns.some((p) => candidates.some((c) => c === p || picomatch.isMatch(c, p)));
}

/** Scenario selection: ids, globs, or `tag:<name>`. */
function selectsScenario(patterns: readonly string[] | undefined, scenario: MatrixScenario): boolean {
  if (!patterns || patterns.length === 0) return true;
  return patterns.some((p) => (p.startsWith('tag:') ? scenario.tags.includes(p.slice(4)) : matchesAny([p], scenario.id)));
}

/** Models each variant runs on: the configured list, or its own hint through `modelMap` (`from-agent`). */
function modelsForVariant(config: Pick<EvalConfig, 'models' | 'modelMap'>, variant: AgentVariant): ResolvedModel[] | Unmapped {
  if (config.models !== 'from-agent') return config.models.map(resolveModel);
  const hint = variant.modelHint ?? 'inherit';
  const spec = config.modelMap?.[hint] ?? config.modelMap?.default;
  if (!spec) {
    return {
      variantId: variant.id,
      reason: `no modelMap entry for its model hint "${hint}" (add \`modelMap: { "${hint}": <provider id> }\` to the eval config)`,
    };
  }
  return [resolveModel(spec)];
}

interface MatrixInput<S extends MatrixScenario> {
  variants: AgentVariant[];
  scenarios: S[];
  config: Pick<EvalConfig, 'models' | 'modelMap' | 'agents' | 'scenarios' | 'repeats'>;
  /** Whether a scenario applies to a variant (its `agent` field). */
  applies: (scenario: S, variant: AgentVariant) => boolean;
  filters?: { agents?: string[]; scenarios?: string[]; tags?: string[]; models?: string[]; repeats?: number };
}

/**
 * Every cell to run, in a stable order (variant, model, scenario, repeat).
 *
 * @example
 * expandMatrix({ variants, scenarios, config, applies: () => true }).cells.length // variants × models × scenarios × repeats
 */
export function expandMatrix<S extends MatrixScenario>(input: MatrixInput<S>): { cells: Cell<S>[]; unmapped: Unmapped[] } {
  const { config, filters = {} } = input;
  // `repeats: auto` is resolved by the eval command (`pickRepeats` in commands/eval.ts) and handed in as `filters.repeats`.
  const repeats = filters.repeats ?? (config.repeats === 'auto' ? 1 : config.repeats);
  const variants = input.variants.filter((v) => matchesAny(config.agents, v.name, v.id) && matchesAny(filters.agents, v.name, v.id));
  const scenarios = input.scenarios.filter(
    (s) =>
      selectsScenario(config.scenarios, s) &&
      selectsScenario(filters.scenarios, s) &&
      (!filters.tags?.length || filters.tags.some((t) => s.tags.includes(t))),
  );
  const cells: Cell<S>[] = [];
  const unmapped: Unmapped[] = [];
  const planned = countCombinations(input, variants, scenarios) * repeats;
  if (planned > MAX_CELLS) {
    throw new UsageError(
      `the eval would plan ${planned.toLocaleString('en-US')} cells (more than ${MAX_CELLS.toLocaleString('en-US')}): use fewer repeats or narrow it with --agent, --scenario, --tag or --model`,
    );
  }
  for (const variant of variants) {
    const models = modelsForVariant(config, variant);
    if (!Array.isArray(models)) {
      unmapped.push(models);
      continue;
    }
    for (const model of models.filter((m) => matchesAny(filters.models, m.label, m.id))) {
      for (const scenario of scenarios) {
        if (!input.applies(scenario, variant) || !runsOn(scenario, model)) continue;
        for (let repeat = 0; repeat < repeats; repeat++) {
          cells.push({ cellId: cellKey(variant.id, model.label, scenario.id, repeat), variant, model, scenario, repeat });
        }
      }
    }
  }
  return { cells, unmapped };
}

/** A scenario about what an agent does (workspace, trajectory assertions) runs only on an agent runtime. */
function runsOn(scenario: MatrixScenario, model: ResolvedModel): boolean {
  return !scenario.agentic || model.runtime !== 'chat';
}

/** Variant × model × scenario combinations (before repeats), counted without building cells. */
function countCombinations<S extends MatrixScenario>(input: MatrixInput<S>, variants: AgentVariant[], scenarios: S[]): number {
  let n = 0;
  for (const variant of variants) {
    const models = modelsForVariant(input.config, variant);
    if (!Array.isArray(models)) continue;
    for (const model of models.filter((x) => matchesAny(input.filters?.models, x.label, x.id))) {
      n += scenarios.filter((s) => input.applies(s, variant) && runsOn(s, model)).length;
    }
  }
  return n;
}

/**
 * Command-line filters that select nothing, each as `--flag value: matches no …`. An eval whose filter
 * matches nothing must stop (exit 2), never run zero cells and pass.
 * @example unmatchedFilters({ variants, scenarios, config, filters: { scenarios: ['nosuch'] } }) // ['--scenario nosuch: matches no scenario (known: …)']
 */
export function unmatchedFilters<S extends MatrixScenario>(input: Omit<MatrixInput<S>, 'applies'>): string[] {
  const { filters = {}, variants, scenarios, config } = input;
  const models = config.models === 'from-agent' ? Object.values(config.modelMap ?? {}).map(resolveModel) : config.models.map(resolveModel);
  const known = (names: string[]) => {
    const unique = [...new Set(names)].sort();
    return `known: ${unique.slice(0, 8).join(', ')}${unique.length > 8 ? `, … ${unique.length - 8} more` : ''}`;
  };
  const out: string[] = [];
  for (const p of filters.agents ?? []) {
    if (!variants.some((v) => matchesAny([p], v.name, v.id)))
      out.push(`--agent ${p}: matches no agent or variant (${known(variants.map((v) => v.name))})`);
  }
  for (const p of filters.scenarios ?? []) {
    if (!scenarios.some((s) => selectsScenario([p], s)))
      out.push(`--scenario ${p}: matches no scenario (${known(scenarios.map((s) => s.id))})`);
  }
  for (const t of filters.tags ?? []) {
    if (!scenarios.some((s) => s.tags.includes(t)))
      out.push(`--tag ${t}: matches no scenario's tags (${known(scenarios.flatMap((s) => s.tags))})`);
  }
  for (const p of filters.models ?? []) {
    if (!models.some((m) => matchesAny([p], m.label, m.id)))
      out.push(`--model ${p}: matches no model of the eval config (${known(models.map((m) => m.label))})`);
  }
  return out;
}

/**
 * Two configured models with one label would be merged into one column: the first such pair, by index.
 * @example duplicateModelLabel({ models: ['a', { id: 'b', label: 'a' }] }) // { index: 1, first: 0, label: 'a' }
 */
export function duplicateModelLabel(config: Pick<EvalConfig, 'models'>): { index: number; first: number; label: string } | undefined {
  if (config.models === 'from-agent') return undefined;
  const seen = new Map<string, number>();
  for (const [index, spec] of config.models.entries()) {
    const { label } = resolveModel(spec);
    const first = seen.get(label);
    if (first !== undefined) return { index, first, label };
    seen.set(label, index);
  }
  return undefined;
}

/**
 * A deterministic, balanced share of the cells for machine `index` of `count` (1-based): cells are
 * ordered by their stable id and dealt round-robin, so every machine computes the same split and
 * shard sizes differ by at most one.
 */
export function shardCells<C extends { cellId: string }>(cells: C[], index: number, count: number): C[] {
  return [...cells].sort((a, b) => (a.cellId < b.cellId ? -1 : a.cellId > b.cellId ? 1 : 0)).filter((_, i) => i % count === index - 1);
}

export function parseShard(value: string): { index: number; count: number } | undefined {
  const m = /^(\d+)\/(\d+)$/.exec(value);
  if (!m) return undefined;
  const index = Number(m[1]);
  const count = Number(m[2]);
  return index >= 1 && count >= 1 && index <= count ? { index, count } : undefined;
}

/**
 * Whether a scenario runs for an agent variant: no `agent` means every agent; otherwise any entry equal
 * to, or a glob matching, the variant's agent name or its id.
 *
 * @example
 * scenarioAppliesTo({ agents: ['backend-*'] }, 'backend-architect') // true
 */
export function scenarioAppliesTo(scenario: { agents: string[] | undefined }, ...names: string[]): boolean {
  if (!scenario.agents) return true;
  return scenario.agents.some((pattern) => names.some((name) => name === pattern || picomatch.isMatch(name, pattern)));
}
