import { strict as assert } from 'node:assert';
import { ApiError, redactSecrets, withoutSecrets } from '../../../tasks/common/http/errors';

const token = 'dapi0123456789abcdef+/=?&x y';

describe('secret redaction', () => {
  it('removes a secret echoed as sent, URL-encoded (either hex case, + for space) and base64-encoded', () => {
    const echoes = [
      token,
      encodeURIComponent(token),
      encodeURIComponent(token).replace(/%[0-9A-F]{2}/g, (e) => e.toLowerCase()),
      encodeURIComponent(token).replace(/%20/g, '+'),
      Buffer.from(token).toString('base64'),
      Buffer.from(token).toString('base64url'),
      Buffer.from(`token:${token}`).toString('base64'),
      Buffer.from(`a:${token}`).toString('base64'),
      Buffer.from(`ab:${token}`).toString('base64url'),
    ];
    for (const echo of echoes) {
      const redacted = redactSecrets(`invalid credential '${echo}' in request`, [token]);
      assert.ok(!redacted.includes(echo), echo);
      assert.match(redacted, /\*\*\*/);
      // What is left cannot be decoded back to the secret.
      assert.ok(!Buffer.from(redacted.replace(/^.*'(.*)'.*$/, '$1'), 'base64').toString('latin1').includes(token.slice(4, 20)), echo);
    }
  });

  it('keeps ordinary text and short values untouched', () => {
    assert.equal(redactSecrets('run 42 failed', [token]), 'run 42 failed');
    assert.equal(redactSecrets('a%20b YQ==', ['a b']), 'a%20b YQ==');
  });

  it('withoutSecrets redacts the error message and keeps the details', () => {
    const error = new ApiError(`GET /x failed: 401: bad token ${Buffer.from(token).toString('base64')}`, { status: 401, method: 'GET', path: '/x' });
    const clean = withoutSecrets(error, [token]);
    assert.ok(!clean.message.includes(Buffer.from(token).toString('base64')));
    assert.equal(clean.status, 401);
  });
});
