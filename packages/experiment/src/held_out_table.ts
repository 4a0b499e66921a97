/** How a column of a {@link textTable} is aligned: 'left' pads on the right, 'right' on the left (numbers). */
export type ColumnAlign = 'left' | 'right';

/**
 * A plain-text table for a terminal: the first row is the header, a line of dashes as wide as
 * each column follows it, columns are padded to their widest cell and joined by two spaces,
 * and trailing spaces are trimmed.
 * @param rows [rows][columns], every row as long as `align`
 * @param align one entry per column
 * @returns the lines joined by '\n' (no final newline)
 * @throws RangeError when there is no row or a row's length differs from `align`'s
 */
export function textTable(rows: readonly (readonly string[])[], align: readonly ColumnAlign[]): string {
  if (rows.length === 0) throw new RangeError('textTable: rows must hold at least the header row; got none');
  rows.forEach((row, i) => {
    if (row.length !== align.length) throw new RangeError(`textTable: row ${i} has ${row.length} cells; align names ${align.length} columns`);
  });
  const widths = align.map((_, c) => Math.max(...rows.map((row) => (row[c] as string).length)));
  const line = (row: readonly string[]): string =>
    row
      .map((cell, c) => (align[c] === 'right' ? cell.padStart(widths[c] as number) : cell.padEnd(widths[c] as number)))
      .join('  ')
      .trimEnd();
  return [line(rows[0] as readonly string[]), line(widths.map((w) => '-'.repeat(w))), ...rows.slice(1).map(line)].join('\n');
}
