import { describe, expect, it } from 'vitest';
import { closeEach } from '../../src/jobs/shutdown.js';

describe('closeEach', () => {
  it('runs every step once, in order, even after one throws, and returns the failures', async () => {
    const ran: string[] = [];
    const failures = await closeEach([
      { name: 'a', close: () => void ran.push('a') },
      {
        name: 'b',
        close: async () => {
          ran.push('b');
          throw new Error('b failed');
        },
      },
      { name: 'c', close: () => void ran.push('c') },
    ]);
    expect(ran).toEqual(['a', 'b', 'c']);
    expect(failures.map((f) => [f.name, (f.error as Error).message])).toEqual([['b', 'b failed']]);
  });
});
