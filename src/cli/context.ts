/** What the operations commands share: terminal tables. Where a command runs: src/cli/local-admin/run.ts. */

/** Fixed-width columns for terminal tables. */
export function table(rows: readonly (readonly string[])[]): string {
  const widths = rows[0].map((_, column) => Math.max(...rows.map((row) => row[column].length)));
  return rows.map((row) => row.map((cell, column) => cell.padEnd(widths[column])).join('  ').trimEnd()).join('\n');
}
