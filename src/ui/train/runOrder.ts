// The order of the Train pane's run list: as the runs were made, or by one of its columns, either
// way (a sweep's runs by their validation loss, say).
import type { RunRecord } from '../../train/runStore';

export type RunColumn = 'name' | 'state' | 'step' | 'loss' | 'valLoss' | 'tokens' | 'time';

export interface RunOrder {
  column: RunColumn;
  descending: boolean;
}

const last = (r: RunRecord) => r.metrics.steps.at(-1);

/** Each column's value of a run, as the list shows it; undefined where it shows none ("—"). */
const VALUE: Record<RunColumn, (r: RunRecord) => string | number | undefined> = {
  name: (r) => r.name,
  state: (r) => r.state,
  step: (r) => last(r)?.step ?? 0,
  loss: (r) => last(r)?.loss,
  valLoss: (r) => r.metrics.evals.at(-1)?.valLoss,
  tokens: (r) => last(r)?.tokens ?? 0,
  time: (r) => last(r)?.time ?? 0,
};

// Names and states as people read them: "run 9" before "run 10".
const collator = new Intl.Collator(undefined, { numeric: true, sensitivity: 'base' });

/**
 * The runs in `order` (as made where there is none). Runs without a value go last either way, and
 * runs of equal value keep the order they were made in.
 */
export function orderedRuns(runs: readonly RunRecord[], order?: RunOrder): RunRecord[] {
  if (!order) return [...runs];
  const value = VALUE[order.column];
  const sign = order.descending ? -1 : 1;
  return [...runs].sort((a, b) => {
    const x = value(a);
    const y = value(b);
    if (x === undefined || y === undefined) return x === y ? 0 : x === undefined ? 1 : -1;
    const c = typeof x === 'string' ? collator.compare(x, String(y)) : x - Number(y);
    return sign * c;
  });
}

/** The order after a column's header is pressed: by it ascending, then descending, then as made. */
export function nextOrder(order: RunOrder | undefined, column: RunColumn): RunOrder | undefined {
  if (order?.column !== column) return { column, descending: false };
  return order.descending ? undefined : { column, descending: true };
}
