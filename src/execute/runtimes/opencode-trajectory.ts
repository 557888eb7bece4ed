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
import { type AskVerdict, classifyDeniedError, isToolDisabled, type PermissionRule, WEB_TOOLS } from './opencode-permissions.ts';

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
    state?: { status: string; input?: Record<string, unknown>; output?: string; error?: string; metadata?: Record<string, unknown> };
  }>;
}

/** A session the agent delegated to, in the order the sessions were created. */
export interface ChildSession {
  id: string;
  messages: OpenCodeMessage[];
}

const OUTPUT_CAP = 4000;
const cut = (s: string | undefined) =>
  s === undefined ? undefined : s.length > OUTPUT_CAP ? `${s.slice(0, OUTPUT_CAP)}… [${s.length - OUTPUT_CAP} more chars]` : s;

interface TrajectoryInput {
  messages: OpenCodeMessage[];
  /** The sessions the agent delegated to: their tool calls follow the delegating call; their tokens and cost count. */
  children: ChildSession[];
  decisions: ReadonlyMap<string, AskVerdict>;
  /** The agent's own rules as OpenCode loaded them. */
  agentRules: readonly PermissionRule[];
  /** Each peer's own rules as OpenCode loaded them, by agent name (for its calls in a child session). */
  peerRules?: ReadonlyMap<string, readonly PermissionRule[]>;
  /** Whether the scenario allows shell commands (else the sandbox withholds bash from child sessions). */
  allowBash?: boolean;
  workspace: string;
  /** The bound that stopped the cell, if one did: a call left unfinished is then a `limit` call. */
  limit?: string;
  /** Whether a workspace path (relative) is a file: a grep or glob over one file reads it, as on Claude Code. */
  isFile?: (relative: string) => boolean;
}

interface TrajectoryResult {
  trajectory: Trajectory;
  answer: string;
  agentsThatAnswered: string[];
  tokens: { prompt: number; completion: number; total: number };
  costUsd: number;
  /** The last model error OpenCode recorded on a message, if any. */
  modelError?: string;
}

type Part = OpenCodeMessage['parts'][number];
const UNAVAILABLE = /unavailable tool/i;
type Outcome = Pick<ToolCall, 'outcome' | 'reason' | 'output'>;

/**
 * A call OpenCode turned into its `invalid` tool: the model named a tool it was not offered (or gave bad input).
 * It is the attempt of the tool it named: refused by the agent when its own rules switch that tool off, by the
 * sandbox when the sandbox withholds it, else failed.
 */
function invalidCall(part: Part, rules: readonly PermissionRule[], input: TrajectoryInput): { tool: string } & Outcome {
  const named = String(part.state?.input?.tool ?? 'invalid');
  const error = String(part.state?.input?.error ?? part.state?.error ?? '');
  return unavailableCall(named, error, cut(part.state?.output ?? part.state?.error ?? error), rules, input);
}

/** A call of a tool the session did not offer (its own `invalid` tool included, when an agent denies every tool). */
function unavailableCall(
  named: string,
  error: string,
  output: string | undefined,
  rules: readonly PermissionRule[],
  input: TrajectoryInput,
): { tool: string } & Outcome {
  const tool = named.toLowerCase();
  if (isToolDisabled(tool, rules))
    return { tool, outcome: 'denied-by-agent', reason: `${tool} is switched off by the agent's tools: / permission:`, output };
  const withheld = (WEB_TOOLS as readonly string[]).includes(tool) || (tool === 'bash' && !input.allowBash);
  if (withheld) return { tool, outcome: 'denied-by-sandbox', reason: `${tool} is not allowed in this scenario`, output };
  return { tool: named, outcome: 'failed', reason: (error.split('\n')[0] ?? '').slice(0, 300) || `OpenCode has no tool ${named}`, output };
}

function outcomeOf(part: Part, rules: readonly PermissionRule[], input: TrajectoryInput): Outcome {
  const state = part.state;
  const decided = part.callID ? input.decisions.get(part.callID) : undefined;
  if (decided) return { outcome: decided.outcome, reason: decided.reason, ...(state?.error ? { output: cut(state.error) } : {}) };
  if (!state || state.status === 'pending' || state.status === 'running')
    return input.limit
      ? { outcome: 'limit', reason: `not run: ${input.limit}` }
      : { outcome: 'failed', reason: 'not finished: the cell was stopped' };
  if (state.status === 'completed') return { outcome: 'ran', output: cut(state.output ?? '') };
  const error = state.error ?? 'error';
  if (UNAVAILABLE.test(error) && part.tool) {
    const { tool: _named, ...outcome } = unavailableCall(part.tool, error, cut(error), rules, input);
    return outcome;
  }
  const denied = classifyDeniedError(error, rules);
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

/** @example buildTrajectory({ messages, children: [], decisions: new Map(), agentRules: [], workspace: '/w' }).trajectory.turns */
export function buildTrajectory(input: TrajectoryInput): TrajectoryResult {
  const agents = new Set<string>();
  let turns = 0;
  let answer = '';
  let modelError: string | undefined;
  const own: ToolCall[] = [];
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
    own.push(...toolCallsOf(message, turns, input.agentRules, input));
  }
  const toolCalls = withChildCalls(own, input);
  const delegations: Delegation[] = toolCalls
    .filter((c) => c.tool === 'task' && c.agent === undefined && typeof c.input.subagent_type === 'string' && c.outcome === 'ran')
    .map((c) => ({ agent: String(c.input.subagent_type), prompt: String(c.input.prompt ?? ''), callIndex: c.index }));
  const filesRead: string[] = [];
  for (const call of toolCalls) {
    const file = call.input.filePath ?? call.input.path;
    if (!['read', 'grep', 'glob'].includes(call.tool) || call.outcome !== 'ran' || typeof file !== 'string') continue;
    const rel = insideWorkspace(input.workspace, file);
    // A search over a folder is not a read of a file; a read that ran was one, even if the file is gone now.
    const read = call.tool === 'read' || (rel !== undefined && input.isFile?.(rel) === true);
    if (rel && read && !filesRead.includes(rel)) filesRead.push(rel);
  }
  let prompt = 0;
  let completion = 0;
  let costUsd = 0;
  for (const m of [...input.messages, ...input.children.flatMap((c) => c.messages)]) {
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

/** The tool calls of one assistant message (index set later), each with its outcome. */
function toolCallsOf(
  message: OpenCodeMessage,
  turn: number,
  rules: readonly PermissionRule[],
  input: TrajectoryInput,
  agent?: string,
): ToolCall[] {
  const calls: ToolCall[] = [];
  for (const part of message.parts) {
    if (part.type !== 'tool' || !part.tool) continue;
    const { tool, ...outcome } =
      part.tool === 'invalid' ? invalidCall(part, rules, input) : { tool: part.tool, ...outcomeOf(part, rules, input) };
    // An `invalid` call's input is OpenCode's note of the failure, not what the model sent: the reason keeps it.
    const args = part.tool === 'invalid' ? {} : (part.state?.input ?? {});
    calls.push({ index: 0, tool, input: args, turn, ...(agent ? { agent } : {}), ...outcome });
  }
  return calls;
}

/**
 * The agent's own calls with each delegated session's calls right after the `task` call that started it (as
 * Claude Code records a subagent's calls), held to that subagent's own rules; then numbered in order.
 */
function withChildCalls(own: ToolCall[], input: TrajectoryInput): ToolCall[] {
  const children = [...input.children];
  const all: ToolCall[] = [];
  for (const call of own) {
    all.push(call);
    if (call.tool !== 'task' || call.outcome !== 'ran') continue;
    const child = children.shift();
    if (!child) continue;
    for (const message of child.messages) {
      if (message.info.role !== 'assistant') continue;
      const agent = message.info.agent ?? String(call.input.subagent_type ?? 'subagent');
      const rules = input.peerRules?.get(agent) ?? [];
      all.push(...toolCallsOf(message, call.turn, rules, input, agent));
    }
  }
  return all.map((c, index) => ({ ...c, index }));
}
