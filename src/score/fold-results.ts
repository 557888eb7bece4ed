/**
 * Results folded as they stream in (from the engine during a run, or line by line from results.jsonl):
 * every cell's verdict is kept, its answer is not. Aggregates, summaries, the gate and the JUnit and
 * Markdown reports read only verdicts (status, score, repeat, assertion outcomes, latency, tokens,
 * cost, source, error), so they come out exactly as from the full results.
 *
 * A cell costs eleven numbers in typed column arrays (56 bytes):
 * identities (agent, variant, model, scenario and their hashes), assertion lists and errors are
 * tables shared by every cell that has the same. `cells` builds the verdicts (`CellVerdict`: no answer,
 * no ids) when asked, for the finish stage; during the run nothing per cell is an object. Pure.
 */
import type { AssertionOutcome, CellResult, CellStatus, CellVerdict } from '../schema/result.ts';

const STATUSES: readonly CellStatus[] = ['pass', 'fail', 'error', 'not-run', 'not-recorded'];
const SOURCES: ReadonlyArray<CellResult['source']> = [undefined, 'live', 'replay', 'cache', 'baseline'];
type Identity = Pick<CellResult, 'agent' | 'variantId' | 'variantHash' | 'scenarioId' | 'scenarioHash' | 'assertionsHash' | 'model'>;

/** Numbers in fixed-size typed chunks: no per-element boxing and no growth slack (a JS array grows by half). */
class Column {
  private readonly chunks: Array<Float64Array | Int32Array> = [];
  private n = 0;
  constructor(private readonly kind: typeof Float64Array | typeof Int32Array) {}
  push(v: number): void {
    if ((this.n & 4095) === 0) this.chunks.push(new this.kind(4096));
    this.chunks[this.n >>> 12]![this.n & 4095] = v;
    this.n++;
  }
  at(i: number): number {
    return this.chunks[i >>> 12]![i & 4095]!;
  }
}

/** Distinct values and their indexes, in the order first seen. */
class Table<T> {
  readonly values: T[] = [];
  private readonly index = new Map<string, number>();
  indexOf(key: string, make: () => T): number {
    let i = this.index.get(key);
    if (i === undefined) {
      i = this.values.push(make()) - 1;
      this.index.set(key, i);
    }
    return i;
  }
}

/**
 * The cells of a run without their answers, in the order they were added.
 * @example
 * const fold = new ResultFold();
 * for (const r of results) fold.add(r);
 * aggregateRun(fold.cells) // the same aggregates as aggregateRun(results)
 */
export class ResultFold {
  /** Cells that had an answer (`output`), for the report's per-answer budget. */
  withOutput = 0;
  private readonly identities = new Table<Identity>();
  private readonly lists = new Table<AssertionOutcome[]>();
  private readonly errors = new Table<string>();
  /** Routing cells: suite, expected and chosen decision, runtime version (not the detail), shared by every cell that made it. */
  private readonly decisions = new Table<NonNullable<CellVerdict['routing']>>();
  /** Agent cells: what the runtime could not enforce, shared by every cell of the same agent file and runtime. */
  private readonly approximations = new Table<string[]>();
  // One entry per cell in each column. `flags`: status (3 bits), source (3 bits), then the assertion list.
  private readonly identity = new Column(Int32Array);
  private readonly repeat = new Column(Int32Array);
  private readonly flags = new Column(Int32Array);
  private readonly score = new Column(Float64Array);
  private readonly latency = new Column(Float64Array);
  private readonly cost = new Column(Float64Array);
  private readonly tokens = new Column(Int32Array);
  private readonly error = new Column(Int32Array);
  /** Agent cells: the trajectory's model turns (-1: none), for the per-turn latency (`latency.ts`). */
  private readonly turns = new Column(Int32Array);
  private readonly routing = new Column(Int32Array);
  private readonly approximated = new Column(Int32Array);
  private count = 0;
  private built?: CellVerdict[];

  get size(): number {
    return this.count;
  }

  add(r: CellResult): void {
    if (r.output !== undefined) this.withOutput++;
    const id: Identity = {
      agent: r.agent,
      variantId: r.variantId,
      variantHash: r.variantHash,
      scenarioId: r.scenarioId,
      scenarioHash: r.scenarioHash,
      assertionsHash: r.assertionsHash,
      model: r.model,
    };
    this.identity.push(this.identities.indexOf(JSON.stringify(Object.values(id)), () => id));
    this.repeat.push(r.repeat);
    const list = this.assertionList(r.assertions);
    this.flags.push(STATUSES.indexOf(r.status) | (SOURCES.indexOf(r.source) << 3) | (list << 6));
    this.score.push(r.score);
    // NaN and -1 stand for "absent": a latency, cost or token count is never NaN or negative (schema).
    this.latency.push(r.latencyMs ?? Number.NaN);
    this.cost.push(r.cost ?? Number.NaN);
    for (const n of [r.tokens?.prompt ?? -1, r.tokens?.completion ?? -1, r.tokens?.total ?? -1]) this.tokens.push(n);
    this.error.push(r.error === undefined ? -1 : this.errors.indexOf(r.error, () => r.error!));
    this.turns.push(r.trajectory?.turns ?? -1);
    this.routing.push(r.routing ? this.decisionOf(r.routing) : -1);
    const approximated = r.trajectory?.approximated;
    this.approximated.push(approximated?.length ? this.approximations.indexOf(JSON.stringify(approximated), () => approximated) : -1);
    this.count++;
    this.built = undefined;
  }

  /**
   * Every cell's verdict (no answer, trajectory or ids, no passing assertion's reason), in the order
   * added. Built once and kept until the next `add`.
   */
  get cells(): CellVerdict[] {
    this.built ??= Array.from({ length: this.count }, (_, i) => this.cell(i));
    return this.built;
  }

  private cell(i: number): CellVerdict {
    const turns = this.turns.at(i);
    const flags = this.flags.at(i);
    const t = 3 * i;
    const latencyMs = this.latency.at(i);
    const cost = this.cost.at(i);
    const error = this.error.at(i);
    const tokens = { prompt: this.tokens.at(t), completion: this.tokens.at(t + 1), total: this.tokens.at(t + 2) };
    const approximated = this.approximated.at(i);
    const id = this.identities.values[this.identity.at(i)]!;
    // Named one by one, not spread first: a literal that starts with a spread costs each verdict 2.5 times the memory (V8).
    return {
      agent: id.agent,
      variantId: id.variantId,
      variantHash: id.variantHash,
      scenarioId: id.scenarioId,
      scenarioHash: id.scenarioHash,
      assertionsHash: id.assertionsHash,
      model: id.model,
      repeat: this.repeat.at(i),
      status: STATUSES[flags & 7]!,
      assertions: this.lists.values[flags >>> 6]!,
      score: this.score.at(i),
      ...(Number.isNaN(latencyMs) ? {} : { latencyMs }),
      ...(tokens.prompt < 0 ? {} : { tokens }),
      ...(Number.isNaN(cost) ? {} : { cost }),
      ...(SOURCES[(flags >>> 3) & 7] ? { source: SOURCES[(flags >>> 3) & 7] } : {}),
      ...(error < 0 ? {} : { error: this.errors.values[error]! }),
      ...(this.routing.at(i) < 0 ? {} : { routing: this.decisions.values[this.routing.at(i)]! }),
      ...(turns < 0 ? {} : { turns }),
      ...(approximated < 0 ? {} : { approximated: this.approximations.values[approximated]! }),
    };
  }

  private decisionOf(routing: NonNullable<CellResult['routing']>): number {
    const kept = {
      suite: routing.suite,
      expected: routing.expected,
      ...(routing.chosen !== undefined ? { chosen: routing.chosen } : {}),
      ...(routing.runtimeVersion !== undefined ? { runtimeVersion: routing.runtimeVersion } : {}),
    };
    return this.decisions.indexOf(JSON.stringify(kept), () => kept);
  }

  /** The assertion outcomes' index in the shared table (a passing one's reason is not kept). */
  private assertionList(list: AssertionOutcome[]): number {
    const kept = list.map(
      (a): AssertionOutcome => ({
        id: a.id,
        kind: a.kind,
        pass: a.pass,
        score: a.score,
        weight: a.weight,
        critical: a.critical,
        ...(!a.pass && a.reason !== undefined ? { reason: a.reason } : {}),
        ...(a.gradingError !== undefined ? { gradingError: a.gradingError } : {}),
      }),
    );
    return this.lists.indexOf(JSON.stringify(kept), () => kept);
  }
}
