import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load.js';

describe('deploy/pimwatch.example.yaml', () => {
  it('is a valid configuration (secrets are references, so it loads without them)', () => {
    const config = loadConfig({ file: 'deploy/pimwatch.example.yaml', env: {} });
    expect(config.tenants.map((t) => t.name)).toEqual(['Contoso', 'Fabrikam']);
    expect(config.notifiers.routing).toHaveLength(2);
    expect(config.tenants[1]?.detectors?.StaleSignInAlert).toEqual({ duration: 'P45D' });
    expect(config.graph.allowWriteActions).toBe(false);
  });
});
