// Small text helpers shared by the commands' human-readable output.

/** 12345 → "12,345" */
export const int = (n: number) => Math.round(n).toLocaleString('en-US');

export function bytes(n: number): string {
  if (n < 10 * 1024) return `${int(n)} B`;
  if (n < 10 * 1024 * 1024) return `${(n / 1024).toFixed(1)} KiB`;
  return `${(n / 1024 / 1024).toFixed(2)} MiB`;
}

/** "Conv 2, Relu 2" from {Conv: 2, Relu: 2}, most frequent first. */
export function counts(c: Record<string, number>): string {
  return Object.entries(c)
    .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))
    .map(([k, v]) => `${k} ${v}`)
    .join(', ');
}

/** A plain left/right-aligned text table. Numeric-looking columns align right. */
export function table(head: string[], rows: (string | number)[][]): string {
  const cells = [head, ...rows.map((r) => r.map(String))];
  const widths = head.map((_, c) => Math.max(...cells.map((r) => (r[c] ?? '').length)));
  const numeric = head.map((_, c) => rows.length > 0 && rows.every((r) => /^[-+]?[\d,.]+(%|×)?$/.test(String(r[c] ?? ''))));
  const line = (r: string[]) =>
    r
      .map((v, c) => (numeric[c] ? (v ?? '').padStart(widths[c]) : (v ?? '').padEnd(widths[c])))
      .join('  ')
      .trimEnd();
  return [line(cells[0]), line(widths.map((w) => '-'.repeat(w))), ...cells.slice(1).map(line)].join('\n');
}
