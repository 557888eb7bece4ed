import { createHash } from 'node:crypto';

/**
 * The plan's fingerprint: sha-256 over its cell ids, sorted, one per line. `--resume` and `merge` compare
 * it, so an unsharded run and the merge of its shards must compute it the same way: here, once.
 * @example planHashOf(['b', 'a']) === planHashOf(['a', 'b']) // true
 */
export function planHashOf(cellIds: readonly string[]): string {
  return createHash('sha256')
    .update([...cellIds].sort().join('\n'))
    .digest('hex');
}
