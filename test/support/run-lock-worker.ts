// Child process for the run-lock takeover race (src/io/run/run-lock.test.ts): one contender, driven line by line on stdin.
//   try <dir>  → takes <dir>'s run lock; prints `owner`, or `refused <message>`
//   release    → releases the lock it holds (if any); prints `released`
// It ends when its stdin closes.
// Each contender holds what it took until told to release, so two `owner` answers in one trial are two owners at once.
import { createInterface } from 'node:readline';
import { lockRun, type RunLock } from '../../src/io/run/run-lock.ts';

let held: RunLock | undefined;
const say = (line: string) => process.stdout.write(`${line}\n`);

for await (const line of createInterface({ input: process.stdin })) {
  const [command, arg] = [line.split(' ')[0], line.slice(line.indexOf(' ') + 1)];
  if (command === 'try') {
    try {
      held = await lockRun(arg, 'the run', process.pid);
      say('owner');
    } catch (err) {
      say(`refused ${(err as Error).message.replace(/\n/g, ' ')}`);
    }
  } else if (command === 'release') {
    await held?.release();
    held = undefined;
    say('released');
  }
}
