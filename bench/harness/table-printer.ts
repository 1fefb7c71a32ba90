export interface Column<Row> {
  header: string;
  align?: 'left' | 'right';
  value: (row: Row) => string;
}

/** A plain-text table with aligned columns, for a terminal or a commit message. */
export function renderTable<Row>(columns: readonly Column<Row>[], rows: readonly Row[]): string {
  const cells = rows.map((row) => columns.map((column) => column.value(row)));
  const widths = columns.map((column, index) =>
    Math.max(column.header.length, ...cells.map((line) => line[index].length)),
  );
  const format = (line: readonly string[]) =>
    line
      .map((cell, index) =>
        columns[index].align === 'right'
          ? cell.padStart(widths[index])
          : cell.padEnd(widths[index]),
      )
      .join('  ')
      .trimEnd();
  const rule = widths.map((width) => '-'.repeat(width)).join('  ');
  return [format(columns.map((column) => column.header)), rule, ...cells.map(format)].join('\n');
}

/** `12345.6` → `12,346`; absent → `-`. */
export function formatCount(value: number | null | undefined): string {
  return typeof value === 'number' ? Math.round(value).toLocaleString('en-US') : '-';
}

/** Fixed decimals; absent → `-`. */
export function formatFixed(value: number | null | undefined, decimals: number): string {
  return typeof value === 'number' ? value.toFixed(decimals) : '-';
}
