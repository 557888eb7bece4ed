import type { EngineAssertion } from '../shared/engine-types.ts';
import type { ResolvedModel } from './matrix.ts';

/** live: call models (promptfoo cache on) and record; record: same with the cache off; replay: recordings only. */
export type RunMode = 'live' | 'record' | 'replay';

/** One cell, fully planned: what to send, how to score it, and what to call it in results. */
export interface CellPlan {
  cellId: string;
  agent: string;
  variantId: string;
  variantHash: string;
  scenarioId: string;
  scenarioHash: string;
  assertionsHash: string;
  model: ResolvedModel;
  repeat: number;
  /** System prompt first, then the scenario's conversation. */
  messages: Array<{ role: 'system' | 'user' | 'assistant'; content: string }>;
  temperature?: number;
  vars: Record<string, string>;
  assertions: EngineAssertion[];
  /** Per assertion id (the `metric`): kind, weight, critical. */
  assertionInfo: Record<string, { kind: string; weight: number; critical: boolean }>;
  /** Pass bar on the weighted score; undefined = every assertion must pass. */
  threshold?: number;
}
