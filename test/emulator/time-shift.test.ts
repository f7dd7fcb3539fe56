import { describe, expect, it } from 'vitest';
import { startEmulator } from '../../src/emulator/server.js';
import { cloneShifted, shiftIsoDateTime } from '../../src/emulator/time-shift.js';
import { FixtureError } from '../../src/errors.js';
import { fixture, startTestEmulator, values } from './helpers.js';

const DAY = 24 * 60 * 60 * 1000;

describe('time shift', () => {
  it('moves ISO date-times and keeps their precision', () => {
    expect(shiftIsoDateTime('2024-05-02T10:00:00Z', DAY)).toBe('2024-05-03T10:00:00Z');
    expect(shiftIsoDateTime('2024-05-02T10:00:00.1234567Z', DAY + 1)).toBe('2024-05-03T10:00:00.1244567Z');
    expect(shiftIsoDateTime('2024-05-02T10:00:00.5Z', 250)).toBe('2024-05-02T10:00:00.75Z');
    expect(shiftIsoDateTime('2024-05-02T12:00:00+02:00', DAY)).toBe('2024-05-03T10:00:00Z');
    expect(shiftIsoDateTime('2024-12-31T23:00:00Z', 2 * 60 * 60 * 1000)).toBe('2025-01-01T01:00:00Z');
  });

  it("leaves Graph's zero date and non-dates alone", () => {
    expect(shiftIsoDateTime('0001-01-01T08:00:00Z', DAY)).toBe('0001-01-01T08:00:00Z');
    expect(shiftIsoDateTime('0001-01-01T00:00:00Z', -DAY)).toBe('0001-01-01T00:00:00Z');
    expect(shiftIsoDateTime('P30D', DAY)).toBe('P30D');
    expect(shiftIsoDateTime('2024-05-02', DAY)).toBe('2024-05-02');
    expect(shiftIsoDateTime('user-2024-05-02T10:00:00Z', DAY)).toBe('user-2024-05-02T10:00:00Z');
  });

  it('copies nested objects and arrays without touching the original', () => {
    const original = { a: [{ when: '2024-01-01T00:00:00Z', n: 1, flag: true, none: null }] };
    const shifted = cloneShifted(original, DAY);
    expect(shifted).toEqual({ a: [{ when: '2024-01-02T00:00:00Z', n: 1, flag: true, none: null }] });
    expect(original.a[0]!.when).toBe('2024-01-01T00:00:00Z');
  });

  it('serves the fixture shifted to the requested instant', async () => {
    const t = await startTestEmulator(
      fixture(
        {
          users: [
            {
              id: 'u1',
              signInActivity: {
                lastSignInDateTime: '2024-03-01T00:00:00Z',
                lastNonInteractiveSignInDateTime: '0001-01-01T00:00:00Z',
              },
            },
          ],
        },
        { referenceTime: '2024-04-01T00:00:00Z' },
      ),
      { timeShiftTo: new Date('2025-04-01T00:00:00Z') },
    );
    try {
      const user = values((await t.get('/v1.0/users?$select=id,signInActivity')).json)[0]!;
      // 365 days later (2024 is a leap year, so the calendar date moves by one).
      expect(user.signInActivity).toEqual({
        lastSignInDateTime: '2025-03-01T00:00:00Z',
        lastNonInteractiveSignInDateTime: '0001-01-01T00:00:00Z',
      });
    } finally {
      await t.close();
    }
  });

  it('refuses to shift a fixture without referenceTime', async () => {
    await expect(startEmulator({ fixture: fixture({}), timeShiftTo: new Date() })).rejects.toBeInstanceOf(
      FixtureError,
    );
  });
});
