import assert from 'node:assert/strict';
import { redactSecrets } from '../../../tasks/common/http/errors';

describe('redactSecrets', () => {
  const secret = 'entra~client/secret+0123=';

  it('removes the secret raw, form-encoded (as an echoed token request quotes it), URL-encoded and JSON-escaped', () => {
    const echoed = [
      `raw ${secret}`,
      `form ${new URLSearchParams({ client_secret: secret }).toString()}`,
      `url ${encodeURIComponent(secret)}`,
      `json ${JSON.stringify({ client_secret: 'pa"ss\\word-1234' })}`,
    ].join(' | ');
    const redacted = redactSecrets(echoed, [secret, 'pa"ss\\word-1234']);
    assert.equal(redacted, 'raw *** | form client_secret=*** | url *** | json {"client_secret":"***"}');
  });

  it('leaves text without secrets alone and ignores empty secrets', () => {
    assert.equal(redactSecrets('nothing to hide', ['', 'absent']), 'nothing to hide');
  });
});
