/**
 * The OpenCode server pool: `opencode serve` processes, each in a bubblewrap sandbox of its own with its own
 * model proxy and socket folder, started on demand (or before the first cell: `warm`) and lent to one cell at a
 * time. Between cells, whatever the cell left running is killed and the work folder emptied; a server ended by
 * a sandbox limit serves no further cell.
 *
 * @example
 * const pool = createSlotPool({ binary, home, sandbox, pathEnv: '/usr/bin:/bin' });
 * await pool.warm(2);
 * const slot = await pool.acquire();
 * await pool.release(slot, () => move(copy, back));
 */
import { mkdirSync, readdirSync, rmSync } from 'node:fs';
import path from 'node:path';
import type { Sandbox } from '../sandbox/jail.ts';
import { type ModelProxy, startModelProxy } from '../sandbox/model-proxy.ts';
import { type OpenCodeEvent, type OpenCodeServer, startOpenCodeServer } from './opencode-server.ts';

/** The loopback port inside a sandbox where OpenCode finds its model (bridged to the model proxy). */
export const MODEL_PORT = 41001;

/** Events of a server that belong to one cell: its root session and the sessions it delegated to. */
export interface CellWatch {
  sessions: Set<string>;
  onEvent(e: OpenCodeEvent): void;
}

/** One sandboxed server and its folders; it serves one cell at a time. */
export interface Slot {
  server: OpenCodeServer;
  proxy: ModelProxy;
  /** The folder (writable inside the sandbox) that holds the running cell's workspace copy, emptied after each cell. */
  workRoot: string;
  /** Cells served so far: each gets a folder of its own, so OpenCode never reuses an instance of an earlier cell. */
  served: number;
  /** The sandbox's own processes (bridge, server), which outlive cells; anything else is a cell's leftover. */
  resident: Set<number>;
  watches: Set<CellWatch>;
  ctl: string;
}

/** Sandboxed servers, started on demand, each lent to one cell at a time. */
export interface SlotPool {
  acquire(): Promise<Slot>;
  /** Starts servers, in parallel, until the pool holds `count` (failures are left to the cells that need them). */
  warm(count: number): Promise<void>;
  /**
   * Kills what the cell left running, lets `takeBack` move the cell's copy out, empties the work folder and
   * gives the slot back; a slot whose server died (a limit, a crash) is closed instead.
   */
  release(slot: Slot, takeBack: () => void): Promise<void>;
  close(): Promise<void>;
}

export function createSlotPool(opts: { binary: string; home: string; sandbox: Sandbox; pathEnv: string }): SlotPool {
  const free: Slot[] = [];
  const all = new Set<Slot>();
  let count = 0;
  const start = async (): Promise<Slot> => {
    const dir = path.join(opts.home, `sandbox-${++count}`);
    const workRoot = path.join(dir, 'work');
    mkdirSync(workRoot, { recursive: true });
    const ctl = opts.sandbox.controlFolder('oc');
    mkdirSync(path.join(ctl, 'model'));
    const jailed = opts.sandbox.kind !== 'none';
    const modelSocket = path.join(ctl, 'model', 'model.sock');
    const proxy = await startModelProxy(jailed ? { socket: modelSocket } : {});
    const watches = new Set<CellWatch>();
    try {
      const server = await startOpenCodeServer({
        binary: opts.binary,
        home: path.join(dir, 'home'),
        workRoot,
        ctl,
        modelSocket,
        modelPort: MODEL_PORT,
        pathEnv: opts.pathEnv,
        sandbox: opts.sandbox,
      });
      server.onEvent((e) => {
        for (const w of watches) w.onEvent(e);
      });
      const resident = new Set(server.jailed.processes());
      const slot: Slot = { server, proxy, workRoot, served: 0, resident, watches, ctl };
      all.add(slot);
      return slot;
    } catch (err) {
      await proxy.close();
      rmSync(ctl, { recursive: true, force: true });
      throw err;
    }
  };
  const stop = async (slot: Slot) => {
    all.delete(slot);
    await slot.server.close().catch(() => {});
    await slot.proxy.close();
    rmSync(slot.ctl, { recursive: true, force: true });
  };
  return {
    acquire: async () => free.pop() ?? start(),
    async warm(count) {
      const starts = Array.from({ length: Math.max(0, count - all.size) }, () => start());
      for (const started of await Promise.allSettled(starts)) if (started.status === 'fulfilled') free.push(started.value);
    },
    async release(slot, takeBack) {
      slot.proxy.route(undefined);
      // Every process the cell started is killed before its copy moves out (a process still in it would follow it)
      // and before another cell's copy moves in; a few rounds, as one may be forking.
      for (let round = 0; round < 5 && slot.server.jailed.killStrays((pid) => slot.resident.has(pid)) > 0; round++)
        await new Promise((r) => setTimeout(r, 20));
      takeBack();
      // Emptied, not replaced: the sandbox has this very folder bound; a new one would be invisible inside.
      for (const entry of readdirSync(slot.workRoot)) rmSync(path.join(slot.workRoot, entry), { recursive: true, force: true });
      // A sandbox ended by a limit is being killed (its exit may not be seen yet): it serves no further cell.
      const jailed = slot.server.jailed;
      const alive = !jailed.limitError() && jailed.child.exitCode === null && jailed.child.signalCode === null;
      if (alive && all.has(slot)) free.push(slot);
      else await stop(slot);
    },
    async close() {
      free.length = 0;
      await Promise.all([...all].map(stop));
    },
  };
}
