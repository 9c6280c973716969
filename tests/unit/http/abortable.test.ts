import assert from 'node:assert/strict';
import { abortable } from '../../../tasks/common/http/abortable';

describe('abortable', () => {
  it('settles as the promise does while the signal stays quiet', async () => {
    assert.equal(await abortable(Promise.resolve(7), new AbortController().signal), 7);
    await assert.rejects(abortable(Promise.reject(new Error('refused')), new AbortController().signal), /refused/);
  });

  it('rejects with the reason as soon as the signal aborts, and at once when it already has', async () => {
    const controller = new AbortController();
    const pending = abortable(new Promise<number>(() => undefined), controller.signal);
    controller.abort(new Error('cancelled by the pipeline'));
    await assert.rejects(pending, /cancelled by the pipeline/);
    await assert.rejects(abortable(Promise.resolve(1), controller.signal), /cancelled by the pipeline/);
  });
});
