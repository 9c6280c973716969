import assert from 'node:assert/strict';
import { neutralizeLoggingCommands } from '../../tasks/common/logging-commands';

describe('neutralizeLoggingCommands', () => {
  it('leaves no ##vso[ or ##[ anywhere in the text, in any case, after a newline or mid-line', () => {
    const hostile = 'ok ##vso[task.setvariable variable=X]1\n##vso[task.prependpath]/tmp\n##[error]x ###[group] ##VSO[task.uploadfile]/etc/passwd ####vso[';
    const safe = neutralizeLoggingCommands(hostile);
    assert.doesNotMatch(safe, /##vso\[|##\[/i);
    assert.equal(safe.split('\n').length, 3, 'lines stay lines');
    assert.match(safe, /variable=X\]1/, 'the text stays readable');
  });

  it('does not touch ordinary text', () => {
    const text = 'Run 42 ended: FAILED (#1 of 3) [see https://x/#job/1/run/42]';
    assert.equal(neutralizeLoggingCommands(text), text);
  });
});
