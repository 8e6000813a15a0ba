/**
 * One row of a side-by-side comparison: a line both sides have (`same`), or a line only the left
 * or only the right side has (the other side shows a gap there, so the columns stay aligned).
 */
export type DiffRow =
  | { readonly kind: 'same'; readonly text: string }
  | { readonly kind: 'left' | 'right'; readonly text: string };

/**
 * Beyond this many lines a side the comparison is not computed (the longest common subsequence
 * table is lines × lines): the two columns are still shown, without line marks.
 */
export const MAX_DIFF_LINES = 2000;

/**
 * The two sides as aligned rows, marking the lines each side has that the other lacks (a longest
 * common subsequence of lines). Undefined when either side is too long to compare.
 */
export function lineDiff(left: readonly string[], right: readonly string[]): DiffRow[] | undefined {
  if (left.length > MAX_DIFF_LINES || right.length > MAX_DIFF_LINES) return undefined;
  const n = left.length;
  const m = right.length;
  const width = m + 1;
  // lengths[i * width + j]: the longest common subsequence of left[i..] and right[j..].
  const lengths = new Uint16Array((n + 1) * width);
  for (let i = n - 1; i >= 0; i -= 1) {
    for (let j = m - 1; j >= 0; j -= 1) {
      lengths[i * width + j] =
        left[i] === right[j]
          ? (lengths[(i + 1) * width + j + 1] as number) + 1
          : Math.max(lengths[(i + 1) * width + j] as number, lengths[i * width + j + 1] as number);
    }
  }
  const rows: DiffRow[] = [];
  let i = 0;
  let j = 0;
  while (i < n || j < m) {
    if (i < n && j < m && left[i] === right[j]) {
      rows.push({ kind: 'same', text: left[i] as string });
      i += 1;
      j += 1;
    } else if (
      j >= m ||
      (i < n && (lengths[(i + 1) * width + j] as number) >= (lengths[i * width + j + 1] as number))
    ) {
      rows.push({ kind: 'left', text: left[i] as string });
      i += 1;
    } else {
      rows.push({ kind: 'right', text: right[j] as string });
      j += 1;
    }
  }
  return rows;
}

/** Unchanged runs longer than this fold to the CONTEXT lines next to each change. */
const FOLD_OVER = 8;
const CONTEXT = 3;

export type ShownRow = DiffRow | { readonly kind: 'folded'; readonly count: number };

/** The rows to show: every change, with a few unchanged lines around each; the rest folded. */
export function foldUnchanged(rows: readonly DiffRow[]): ShownRow[] {
  const shown: ShownRow[] = [];
  let i = 0;
  while (i < rows.length) {
    let end = i;
    while (end < rows.length && (rows[end] as DiffRow).kind === 'same') end += 1;
    const run = end - i;
    if (run > FOLD_OVER) {
      const head = i === 0 ? 0 : CONTEXT;
      const tail = end === rows.length ? 0 : CONTEXT;
      shown.push(...rows.slice(i, i + head), { kind: 'folded', count: run - head - tail });
      shown.push(...rows.slice(end - tail, end));
    } else shown.push(...rows.slice(i, end));
    while (end < rows.length && (rows[end] as DiffRow).kind !== 'same') {
      shown.push(rows[end] as DiffRow);
      end += 1;
    }
    i = end;
  }
  return shown;
}
