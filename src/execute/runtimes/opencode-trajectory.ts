/**
 * Turns an OpenCode session's messages (`GET /session/{id}/message`) into the harness's trajectory.
 * Pure: data in, data out.
 *
 * Each assistant message is one model step (a turn). Its `tool` parts carry the call's input and state
 * (`completed` with output, `error` with the error text, or still `running`/`pending` when the cell was
 * stopped). Refusals are classified from the harness's own answers to permission asks (by call id) and
 * from OpenCode's "rule which prevents" errors.
 */
import path from 'node:path';
import type { Delegation, ToolCall, Trajectory } from '../../shared/agent-runtime.ts';
import { type AskVerdict, classifyDeniedError, type PermissionRule } from './opencode-permissions.ts';

/** The slice of OpenCode's message shape read here. */
export interface OpenCodeMessage {
  info: {
    id: string;
    role: 'user' | 'assistant';
    agent?: string;
    cost?: number;
    tokens?: { input: number; output: number; reasoning?: number; cache?: { read: number; write: number } };
    error?: { name?: string; data?: { message?: string } };
    finish?: string;
  };
  parts: Array<{
    type: string;
    text?: string;
    tool?: string;
    callID?: string;
    synthetic?: boolean;
    state?: { status: string; input?: Record<string, unknown>; output?: string; error?: string };
  }>;
}

const OUTPUT_CAP = 4000;
const cut = (s: string | undefined) =>
  s === undefined ? undefined : s.length > OUTPUT_CAP ? `${s.slice(0, OUTPUT_CAP)}… [${s.length - OUTPUT_CAP} more chars]` : s;

export interface TrajectoryInput {
  messages: OpenCodeMessage[];
  /** Messages of the sessions the agent delegated to (tokens and cost only). */
  childMessages: OpenCodeMessage[];
  decisions: ReadonlyMap<string, AskVerdict>;
  agentRules: readonly PermissionRule[];
  workspace: string;
}

export interface TrajectoryResult {
  trajectory: Trajectory;
  answer: string;
  agentsThatAnswered: string[];
  tokens: { prompt: number; completion: number; total: number };
  costUsd: number;
  /** The last model error OpenCode recorded on a message, if any. */
  modelError?: string;
}

function outcomeOf(part: OpenCodeMessage['parts'][number], input: TrajectoryInput): Pick<ToolCall, 'outcome' | 'reason' | 'output'> {
  const state = part.state;
  const decided = part.callID ? input.decisions.get(part.callID) : undefined;
  if (decided) return { outcome: decided.outcome, reason: decided.reason, ...(state?.error ? { output: cut(state.error) } : {}) };
  if (!state || state.status === 'pending' || state.status === 'running')
    return { outcome: 'failed', reason: 'not finished: the cell was stopped' };
  if (state.status === 'completed') return { outcome: 'ran', output: cut(state.output ?? '') };
  const error = state.error ?? 'error';
  const denied = classifyDeniedError(error, input.agentRules);
  if (denied) return { ...denied, output: cut(error) };
  if (part.tool === 'invalid' || /invalid arguments|unavailable tool|tool execution aborted|aborted/i.test(error))
    return { outcome: 'failed', reason: error.split('\n')[0]!.slice(0, 300), output: cut(error) };
  return { outcome: 'ran', output: cut(error) }; // the tool ran and reported an error (file not found…): the model saw it
}

function insideWorkspace(workspace: string, file: string): string | undefined {
  const abs = path.resolve(workspace, file);
  const rel = path.relative(workspace, abs);
  return rel && !rel.startsWith('..') && !path.isAbsolute(rel) ? rel.split(path.sep).join('/') : undefined;
}

/** @example buildTrajectory({ messages, childMessages: [], decisions: new Map(), agentRules: [], workspace: '/w' }).trajectory.turns */
export function buildTrajectory(input: TrajectoryInput): TrajectoryResult {
  const toolCalls: ToolCall[] = [];
  const delegations: Delegation[] = [];
  const filesRead: string[] = [];
  const agents = new Set<string>();
  let turns = 0;
  let answer = '';
  let modelError: string | undefined;
  for (const message of input.messages) {
    if (message.info.role !== 'assistant') continue;
    turns++;
    if (message.info.agent) agents.add(message.info.agent);
    if (message.info.error) modelError = message.info.error.data?.message ?? message.info.error.name ?? 'model error';
    const text = message.parts
      .filter((p) => p.type === 'text' && !p.synthetic && p.text)
      .map((p) => p.text!.trim())
      .filter(Boolean)
      .join('\n');
    if (text) answer = text;
    for (const part of message.parts) {
      if (part.type !== 'tool' || !part.tool) continue;
      const call: ToolCall = {
        index: toolCalls.length,
        tool: part.tool,
        input: part.state?.input ?? {},
        turn: turns,
        ...outcomeOf(part, input),
      };
      toolCalls.push(call);
      if (part.tool === 'task' && typeof call.input.subagent_type === 'string' && call.outcome === 'ran') {
        delegations.push({ agent: call.input.subagent_type, prompt: String(call.input.prompt ?? ''), callIndex: call.index });
      }
      const file = call.input.filePath ?? call.input.path;
      if (part.tool === 'read' && call.outcome === 'ran' && typeof file === 'string') {
        const rel = insideWorkspace(input.workspace, file);
        if (rel && !filesRead.includes(rel)) filesRead.push(rel);
      }
    }
  }
  let prompt = 0;
  let completion = 0;
  let costUsd = 0;
  for (const m of [...input.messages, ...input.childMessages]) {
    if (m.info.role !== 'assistant') continue;
    prompt += (m.info.tokens?.input ?? 0) + (m.info.tokens?.cache?.read ?? 0);
    completion += (m.info.tokens?.output ?? 0) + (m.info.tokens?.reasoning ?? 0);
    costUsd += m.info.cost ?? 0;
  }
  return {
    trajectory: { runtime: 'opencode', toolCalls, delegations, turns, filesRead, workspaceDiff: '', filesChanged: [] },
    answer,
    agentsThatAnswered: [...agents],
    tokens: { prompt, completion, total: prompt + completion },
    costUsd,
    ...(modelError ? { modelError } : {}),
  };
}
