import assert from 'node:assert/strict';
import { formatDelta, formatTime, formatValue, formatVersion } from '../../web/model-report-tab/format';
import { contrastRatio, darkPalette, isDarkTheme, lightPalette } from '../../web/model-report-tab/theme';

describe('model report tab: themes and formatting', () => {
  it('keeps every text colour at 4.5:1 or more on its background, in both themes', () => {
    for (const palette of [lightPalette, darkPalette]) {
      for (const name of ['text', 'muted', 'passed', 'failed', 'warning', 'accent'] as const) {
        const ratio = contrastRatio(palette[name], palette.background);
        assert.ok(ratio >= 4.5, `${name} ${palette[name]} on ${palette.background}: ${ratio.toFixed(2)}`);
      }
    }
  });

  it('follows the host theme from its background colour', () => {
    assert.equal(isDarkTheme({ 'background-color': 'rgba(32, 31, 30, 1)' }), true);
    assert.equal(isDarkTheme({ 'background-color': 'rgba(255, 255, 255, 1)' }), false);
    assert.equal(isDarkTheme({ 'background-color': '#1b1a19' }), true);
    assert.equal(isDarkTheme({}), undefined);
    assert.equal(isDarkTheme(undefined), undefined);
  });

  it('formats values, differences, times and versions for reading', () => {
    assert.deepEqual([0.02300000000000002, 0.884, 51, 0, null, 1234567, 0.00001].map(formatValue), ['0.023', '0.884', '51', '0', '—', '1.235e+6', '1e-5']);
    assert.deepEqual([0.015000000000000013, -0.015, 0, undefined].map(formatDelta), ['+0.015', '\u22120.015', '±0', '—']);
    assert.equal(formatTime('2026-11-28T10:16:00.000Z'), '2026-11-28 10:16 UTC');
    assert.deepEqual([3, null, undefined].map(formatVersion), ['version 3', 'none', 'not read']);
  });
});
