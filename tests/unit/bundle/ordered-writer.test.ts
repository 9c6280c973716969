import { strict as assert } from 'node:assert';
import { Writable } from 'node:stream';
import { OrderedWriter } from '../../../tasks/common/bundle/zip-writer';

/** A compression the test finishes when it wants. */
function later(): { promise: Promise<Buffer>; finish(text: string): void; fail(error: Error): void } {
  let finish!: (value: Buffer) => void;
  let fail!: (error: Error) => void;
  const promise = new Promise<Buffer>((resolve, reject) => ((finish = resolve), (fail = reject)));
  return { promise, finish: (text) => finish(Buffer.from(text)), fail };
}

function collector(): { output: Writable; text(): string } {
  const chunks: Buffer[] = [];
  const output = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      chunks.push(chunk);
      callback();
    },
  });
  return { output, text: () => Buffer.concat(chunks).toString() };
}

/** True when `promise` has settled once pending callbacks and the event loop's current turn ran. */
async function settles(promise: Promise<unknown>): Promise<boolean> {
  let settled = false;
  void promise.then(
    () => (settled = true),
    () => (settled = true),
  );
  await new Promise((resolve) => setImmediate(resolve));
  return settled;
}

describe('bundle zip writer: ordered output while blocks compress in parallel', () => {
  it('starts more compressions while a slow one at the head has not finished, and still writes in order', async () => {
    const { output, text } = collector();
    const writer = new OrderedWriter(output, 2, 1024);
    const slow = later();
    await writer.push({ data: Buffer.from('[head]') });
    await writer.push({ data: slow.promise, holds: 10 });
    // Two running: the next push waits until one of them finishes, whichever it is.
    const quick = later();
    const pushed = writer.push({ data: quick.promise, holds: 10 });
    assert.equal(await settles(pushed), false, 'two compressions run: pushing a third waits');
    quick.finish('[quick]');
    assert.equal(await settles(pushed), true, 'one finished behind the slow head: the next may start');
    await writer.push({ data: () => Buffer.from('[descriptor]') });
    const next = later();
    const third = writer.push({ data: next.promise, holds: 10 });
    assert.equal(await settles(third), false);
    next.finish('[next]');
    await third;
    assert.equal(text(), '', 'nothing is written before the head');
    slow.finish('[slow]');
    await writer.drain();
    await writer.close();
    assert.equal(text(), '[head][slow][quick][descriptor][next]');
  });

  it('waits for the head once the pieces not yet written hold the window', async () => {
    const { output, text } = collector();
    const writer = new OrderedWriter(output, 4, 100);
    const slow = later();
    await writer.push({ data: slow.promise, holds: 60 });
    const done = Promise.resolve(Buffer.from('[done]'));
    const pushed = writer.push({ data: done, holds: 60 });
    assert.equal(await settles(pushed), false, '120 bytes held against a window of 100: wait although one compression runs');
    slow.finish('[slow]');
    await pushed;
    await writer.drain();
    await writer.close();
    assert.equal(text(), '[slow][done]');
  });

  it('rejects with a failed compression when its turn comes', async () => {
    const { output } = collector();
    const writer = new OrderedWriter(output, 2, 1024);
    const failing = later();
    await writer.push({ data: failing.promise });
    failing.fail(new Error('deflate failed'));
    await assert.rejects(writer.drain(), /deflate failed/);
    await writer.abort();
  });
});
