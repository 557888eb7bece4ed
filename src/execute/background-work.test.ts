import { describe, expect, it } from 'vitest';
import { backgroundWork } from './background-work.ts';

/** A promise and the function that resolves it. */
function gate() {
  let open!: () => void;
  const opened = new Promise<void>((resolve) => {
    open = resolve;
  });
  return { opened, open };
}

const tick = () => new Promise((resolve) => setImmediate(resolve));

describe('backgroundWork', () => {
  it('runs at most `concurrency` tasks, and room() holds the caller while as many again wait', async () => {
    const work = backgroundWork(2);
    const blocker = gate();
    let running = 0;
    let most = 0;
    const task = async () => {
      running++;
      most = Math.max(most, running);
      await blocker.opened;
      running--;
    };
    for (let i = 0; i < 4; i++) work.add(task); // 2 running, 2 waiting
    let roomGiven = false;
    const room = work.room().then(() => {
      roomGiven = true;
    });
    await tick();
    expect(most).toBe(2);
    expect(roomGiven).toBe(false);
    blocker.open();
    await room;
    expect(roomGiven).toBe(true);
    await work.settle();
    expect(running).toBe(0);
  });

  it('settle() waits for tracked writes and every task, then throws the first error', async () => {
    const work = backgroundWork(4);
    const write = gate();
    let written = false;
    work.track(write.opened.then(() => (written = true)));
    work.add(async () => {
      throw new Error('first');
    });
    work.add(async () => {
      await tick();
      throw new Error('second');
    });
    const settled = work.settle().then(
      () => 'resolved',
      (err: Error) => err.message,
    );
    await tick();
    expect(written).toBe(false);
    write.open();
    expect(await settled).toBe('first');
    expect(written).toBe(true);
  });

  it('settle() resolves at once when nothing was queued', async () => {
    await expect(backgroundWork(1).settle()).resolves.toBeUndefined();
  });
});
