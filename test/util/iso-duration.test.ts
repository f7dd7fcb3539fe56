import { describe, expect, it } from 'vitest';
import { formatIsoDuration, parseIsoDuration } from '../../src/util/iso-duration.js';

describe('parseIsoDuration', () => {
  it.each([
    ['P30D', 30 * 86_400_000],
    ['PT10S', 10_000],
    ['PT8H', 8 * 3_600_000],
    ['P1DT12H', 36 * 3_600_000],
    ['PT1.5S', 1500],
    ['P2W', 14 * 86_400_000],
    ['PT0S', 0],
  ])('%s is %d ms', (text, ms) => {
    expect(parseIsoDuration(text)).toBe(ms);
  });

  it.each(['', 'P', 'PT', '30D', 'P1M', 'P1Y', 'P1DT', 'PT-5S', 'abc'])('rejects %j', (text) => {
    expect(parseIsoDuration(text)).toBeUndefined();
  });

  it('formats back', () => {
    expect(formatIsoDuration(30 * 86_400_000)).toBe('P30D');
    expect(formatIsoDuration(5_400_000)).toBe('PT1H30M');
    expect(formatIsoDuration(10_000)).toBe('PT10S');
    expect(parseIsoDuration(formatIsoDuration(93_784_000))).toBe(93_784_000);
  });
});
