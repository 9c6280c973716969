/** Number and time formatting for the tab. */

/** Up to 4 significant digits, without trailing zeros; `—` for a missing value. */
export function formatValue(value: number | null | undefined): string {
  if (value === null || value === undefined) return '—';
  if (value === 0) return '0';
  const abs = Math.abs(value);
  if (abs >= 1e6 || abs < 1e-4) return value.toExponential(3).replace(/\.?0+e/, 'e');
  return String(Number(value.toPrecision(4)));
}

/** A difference with its sign: `+0.03`, `−0.5` (a real minus sign). */
export function formatDelta(value: number | null | undefined): string {
  if (value === null || value === undefined) return '—';
  if (value === 0) return '±0';
  const text = formatValue(Math.abs(value));
  return value > 0 ? `+${text}` : `\u2212${text}`;
}

/** `2026-12-05 17:03 UTC`: one time zone for everyone reading the run. */
export function formatTime(iso: string): string {
  const match = /^(\d{4}-\d{2}-\d{2})T(\d{2}:\d{2})/.exec(iso);
  return match ? `${match[1]} ${match[2]} UTC` : iso;
}

/** `version 7`, or `none` for null. */
export function formatVersion(version: number | null | undefined): string {
  if (version === undefined) return 'not read';
  return version === null ? 'none' : `version ${version}`;
}
