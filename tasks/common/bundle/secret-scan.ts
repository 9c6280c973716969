/**
 * Finds credentials in files about to be packed. It sees each file's bytes as they stream into the
 * zip (no second read), and reports rule, file and line: never the matched text, so a finding can
 * be logged safely.
 */
import { Readable } from 'node:stream';
import { invalidInput } from '../azure-devops/input-parsing';

/** A kind of secret the scanner knows. */
export interface SecretRule {
  id: string;
  description: string;
  /** Cheap byte test before the regular expression runs. */
  marker: string;
  pattern: RegExp;
  /**
   * For a marker common in binary data (two bytes appear about 16 times in every MiB of random
   * bytes): every match starts `offset` bytes before its marker and is at most `length` bytes
   * long, so only the text around each marker is matched, not the whole chunk.
   */
  around?: { offset: number; length: number };
}

/** The rules, by id. */
export const secretRules: readonly SecretRule[] = [
  { id: 'databricks-token', description: 'Databricks personal access token', marker: 'dapi', pattern: /dapi[0-9a-f]{32}/g },
  { id: 'private-key', description: 'PEM private key', marker: 'PRIVATE KEY-----', pattern: /-----BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY-----/g },
  { id: 'storage-account-key', description: 'Azure storage connection string with an account key', marker: 'AccountKey=', pattern: /AccountKey=[A-Za-z0-9+/]{20,}={0,2}/g },
  // Entra client secrets: three characters, a digit, `Q~`, then 31-34 more (the current format).
  {
    id: 'entra-client-secret',
    description: 'Microsoft Entra client secret',
    marker: 'Q~',
    pattern: /(?<![A-Za-z0-9_~.-])[A-Za-z0-9_~.-]{3}[0-9]Q~[A-Za-z0-9_~.-]{31,34}(?![A-Za-z0-9_~.-])/g,
    around: { offset: 4, length: 40 },
  },
];

/** Rule id for a `.databrickscfg` file, which holds workspace credentials by design. */
export const databricksConfigRule = 'databrickscfg';

/** Every rule id, for validating `secretScanAllow`. */
export const secretRuleIds = [...secretRules.map((r) => r.id), databricksConfigRule];

/** Where a secret-like value was found (the value itself is never kept). */
export interface SecretHit {
  path: string;
  line: number;
  rule: string;
}

/** Longest match a chunk boundary may split; this much of the previous chunk is rescanned. */
const overlap = 256;

const markerBytes = new Map(secretRules.map((rule) => [rule.marker, Buffer.from(rule.marker, 'latin1')]));

/**
 * True when `buffer` contains `marker`. Node searches for up to four bytes about twenty times
 * faster than for longer needles in random data (0.03 against 0.4-1 ms per MiB), so the first
 * four bytes are found first and the rest compared at each place.
 */
function includesMarker(buffer: Buffer, marker: string): boolean {
  const needle = markerBytes.get(marker)!;
  if (needle.length <= 4) return buffer.includes(needle);
  const head = needle.subarray(0, 4);
  for (let at = buffer.indexOf(head); at >= 0 && at + needle.length <= buffer.length; at = buffer.indexOf(head, at + 1)) {
    if (buffer.compare(needle, 0, needle.length, at, at + needle.length) === 0) return true;
  }
  return false;
}

/**
 * Scans one file as a stream of chunks. Line numbers are found afterwards, and only for files with
 * hits, by {@link locateLines}: counting lines on every byte of every file would cost more than
 * the scan itself.
 */
export class StreamingSecretScanner {
  private tail: Buffer = Buffer.alloc(0);
  private consumed = 0;
  private readonly offsets: Array<{ offset: number; rule: string }> = [];
  private readonly seen = new Set<string>();

  constructor(readonly path: string) {
    const base = path.split('/').pop();
    if (base === '.databrickscfg') this.offsets.push({ offset: -1, rule: databricksConfigRule });
  }

  chunk(data: Buffer): void {
    if (this.tail.length > 0) {
      // A match across the boundary with the previous chunk starts in the junction, and ends in it
      // (no match is longer than `overlap`): scanning it alone saves copying every chunk behind the tail.
      this.scan(Buffer.concat([this.tail, data.subarray(0, 2 * overlap)]), this.consumed - this.tail.length, 0, this.tail.length + overlap);
    }
    // Matches starting in the first `overlap` bytes were judged in the junction, with the bytes before them.
    this.scan(data, this.consumed, this.tail.length > 0 ? overlap : 0, data.length);
    this.consumed += data.length;
    // Copy so the tail does not pin the whole chunk in memory.
    this.tail = Buffer.from(data.length >= overlap ? data.subarray(data.length - overlap) : Buffer.concat([this.tail, data]).subarray(-overlap));
  }

  /** Records the matches in `buffer` (at `bufferStart` in the file) that start in `[from, until)`. */
  private scan(buffer: Buffer, bufferStart: number, from: number, until: number): void {
    for (const rule of secretRules) {
      if (!includesMarker(buffer, rule.marker)) continue;
      if (rule.around) this.matchAround(rule, rule.around, buffer, bufferStart, from, until);
      else this.matchAll(rule, buffer.toString('latin1'), bufferStart, from, until);
    }
  }

  private matchAll(rule: SecretRule, text: string, textStart: number, from: number, until: number): void {
    rule.pattern.lastIndex = 0;
    for (let match = rule.pattern.exec(text); match; match = rule.pattern.exec(text)) {
      if (match.index >= from && match.index < until) this.record(rule, textStart + match.index);
    }
  }

  /**
   * Matches the pattern only where a match could start for each marker. The slice keeps one byte
   * more on each side, for the pattern's look-behind and look-ahead, so it decides as the whole
   * buffer would; only a match that starts at the marker's place counts (another marker inside it
   * is tried on its own).
   */
  private matchAround(rule: SecretRule, around: { offset: number; length: number }, buffer: Buffer, bufferStart: number, from: number, until: number): void {
    for (let at = buffer.indexOf(rule.marker, 0, 'latin1'); at >= 0; at = buffer.indexOf(rule.marker, at + 1, 'latin1')) {
      const start = at - around.offset;
      if (start < from || start >= until) continue;
      const sliceStart = Math.max(0, start - 1);
      const text = buffer.toString('latin1', sliceStart, Math.min(buffer.length, start + around.length + 1));
      rule.pattern.lastIndex = start - sliceStart;
      const match = rule.pattern.exec(text);
      if (match && match.index === start - sliceStart) this.record(rule, bufferStart + start);
    }
  }

  private record(rule: SecretRule, offset: number): void {
    const id = `${rule.id}@${offset}`;
    if (this.seen.has(id)) return;
    this.seen.add(id);
    this.offsets.push({ offset, rule: rule.id });
  }

  /** Byte offsets of hits (-1: the whole file), by rule. */
  hits(): Array<{ offset: number; rule: string }> {
    return [...this.offsets];
  }
}

/** Turns byte offsets into 1-based line numbers by reading the file once more. */
export async function locateLines(stream: Readable, offsets: readonly number[]): Promise<number[]> {
  const sorted = [...new Set(offsets.filter((o) => o >= 0))].sort((a, b) => a - b);
  const lines = new Map<number, number>();
  let line = 1;
  let position = 0;
  let next = 0;
  for await (const chunk of stream as AsyncIterable<Buffer>) {
    while (next < sorted.length && sorted[next] < position + chunk.length) {
      let count = line;
      for (let i = 0; i < sorted[next] - position; i += 1) if (chunk[i] === 10) count += 1;
      lines.set(sorted[next], count);
      next += 1;
    }
    for (let i = chunk.indexOf(10); i >= 0; i = chunk.indexOf(10, i + 1)) line += 1;
    position += chunk.length;
    if (next >= sorted.length) {
      stream.destroy();
      break;
    }
  }
  return offsets.map((o) => (o < 0 ? 1 : (lines.get(o) ?? line)));
}

/** A parsed `secretScanAllow` line: `path:rule` (path relative to the zip root, or `*` for any). */
export interface SecretAllowance {
  path: string;
  rule: string;
}

/**
 * The `secretScanAllow` input: one reviewed `<path>:<rule>` per line (blank lines and `#` comments
 * skipped). The path is the zip entry name the finding showed; `./` and backslashes are tolerated.
 */
export function parseSecretAllowances(inputName: string, text: string | undefined): SecretAllowance[] {
  const lines = (text ?? '').split(/\r?\n/).map((raw) => raw.trim()).filter((line) => line !== '' && !line.startsWith('#'));
  return lines.map((line) => {
    const split = line.lastIndexOf(':');
    const file = line.slice(0, split).trim().replace(/\\/g, '/').replace(/^\.\//, '');
    const rule = line.slice(split + 1).trim();
    if (split <= 0 || !file || !secretRuleIds.includes(rule)) throw invalidInput(inputName, line, `<path>:<rule> lines with a rule among ${secretRuleIds.join(', ')}`);
    return { path: file, rule };
  });
}

/** True when an allowance covers the hit. */
export function isAllowed(hit: SecretHit, allowances: readonly SecretAllowance[]): boolean {
  return allowances.some((a) => a.rule === hit.rule && a.path === hit.path);
}
