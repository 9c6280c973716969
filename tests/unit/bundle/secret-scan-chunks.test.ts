import { strict as assert } from 'node:assert';
import { randomBytes } from 'node:crypto';
import { StreamingSecretScanner } from '../../../tasks/common/bundle/secret-scan';
import { generator } from '../../../bench/trees';
import { fakeSecrets } from './helpers';

/** Hits (rule and byte offset) from scanning `data` cut at `cuts`. */
function hits(data: Buffer, cuts: number[]): string[] {
  const scanner = new StreamingSecretScanner('f.bin');
  let from = 0;
  for (const cut of [...cuts, data.length]) {
    scanner.chunk(data.subarray(from, cut));
    from = cut;
  }
  return scanner
    .hits()
    .map((h) => `${h.rule}@${h.offset}`)
    .sort();
}

describe('secret scan: chunking does not change what is found', () => {
  // Random bytes (many `Q~` markers), with secrets placed among them, some glued to a preceding
  // character that makes the Entra pattern's look-behind fail.
  const parts: Buffer[] = [];
  const next = generator(11);
  for (let i = 0; i < 40; i++) {
    parts.push(randomBytes(2000 + (next() % 3000)));
    const secret = [fakeSecrets.databricksToken, fakeSecrets.entraSecret, `x${fakeSecrets.entraSecret}`, ` ${fakeSecrets.entraSecret}.`, fakeSecrets.storageKey, fakeSecrets.privateKey][i % 6];
    parts.push(Buffer.from(` ${secret}`, 'latin1'));
  }
  const data = Buffer.concat(parts);
  const whole = hits(data, []);

  it('finds the same secrets at the same offsets whatever the chunk sizes', () => {
    assert.ok(whole.some((h) => h.startsWith('entra-client-secret@')) && whole.some((h) => h.startsWith('databricks-token@')));
    // Blocks of 512 bytes or more: the right context a match needs (the zip writer passes 1 MiB blocks).
    for (const size of [512, 1000, 4096, 65536]) {
      const cuts: number[] = [];
      for (let at = size; at < data.length; at += size) cuts.push(at);
      assert.deepEqual(hits(data, cuts), whole, `chunks of ${size} bytes`);
    }
  });

  it('cuts right before and inside each secret change nothing', () => {
    const text = data.toString('latin1');
    for (const secret of [fakeSecrets.entraSecret, fakeSecrets.databricksToken]) {
      for (let at = text.indexOf(secret); at >= 0; at = text.indexOf(secret, at + 1)) {
        for (const delta of [-1, 0, 1, 4, 5, 20]) assert.deepEqual(hits(data, [at + delta]), whole, `cut at ${at + delta}`);
      }
    }
  });
});
