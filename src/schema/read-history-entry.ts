import type { HistoryEntry, VariantModelTotal } from './aggregate.ts';

/**
 * A history entry as read from `reports/history.jsonl`. A format-2 line's cells are decoded only when
 * something reads `cells`; until then `cellTotals` holds them summed per variant × model (series in
 * first-seen order, `lineTotals` in `io/history/history-read.ts`): all the trends draw, so drawing a long
 * history never builds an object per stored cell. Without it the trends sum `cells` themselves. The reader
 * drops `cellTotals` the moment `cells` is read or set, so it never stands for cells that changed. It is not
 * part of the stored line and not enumerable: JSON and equality see the entry alone.
 */
export interface ReadHistoryEntry extends HistoryEntry {
  cellTotals?: VariantModelTotal[];
}
