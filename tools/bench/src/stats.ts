import { median as medianOrNull } from '@diffflow/runs';

/** Median of a non-empty list: `median` of @diffflow/runs (the mean of the two middle values for an even count), which a benchmark never asks of nothing. */
export function median(values: readonly number[]): number {
  const m = medianOrNull(values);
  if (m === null) throw new RangeError('median: values must not be empty');
  return m;
}
