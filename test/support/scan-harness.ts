import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { type DetectorsConfig, detectorsConfigSchema } from '../../src/detectors/config-schema.js';
import type { TenantFixture } from '../../src/fixture-format/schema.js';
import type { ActivationHistoryMode } from '../../src/graph/activation-history.js';
import { startEmulatedTenant } from '../../src/scan/emulated-tenant.js';
import { runScan, type ScanResult } from '../../src/scan/run-scan.js';
import { MemoryStateStore } from '../../src/store/memory-state-store.js';
import type { StateStore } from '../../src/store/state-store.js';

/** The demo's own detector settings (its break-glass exclusions). */
export function demoDetectorsConfig(): DetectorsConfig {
  const raw = parseYaml(readFileSync('fixtures/demo/config.yaml', 'utf8')) as { detectors?: unknown };
  return detectorsConfigSchema.parse(raw.detectors ?? {});
}

/** One whole scan of a fixture through the emulator, as the CLI runs it, at a fixed clock. */
export async function scanFixture(
  fixture: TenantFixture,
  options: {
    now: Date;
    store?: StateStore;
    detectors?: DetectorsConfig;
    scanId?: string;
    activationHistory?: ActivationHistoryMode;
  },
): Promise<ScanResult> {
  const emulated = await startEmulatedTenant(fixture);
  const session = emulated.openSession();
  const store = options.store ?? new MemoryStateStore({ feedMaxLength: 1000 });
  try {
    return await runScan({
      tenant: emulated.tenant,
      session,
      detectors: options.detectors ?? demoDetectorsConfig(),
      store,
      now: options.now,
      trigger: 'cli',
      ...(options.scanId ? { scanId: options.scanId } : {}),
      ...(options.activationHistory ? { activationHistory: options.activationHistory } : {}),
    });
  } finally {
    await session.close();
    await emulated.close();
    if (!options.store) await store.close();
  }
}

/** `alert|assignee|role` keys, the identity of an incident in expectation files. */
export function incidentKey(i: {
  alert: string;
  assigneeId?: string | null;
  roleTemplateId?: string | null;
}): string {
  return `${i.alert}|${(i.assigneeId ?? '').toLowerCase()}|${(i.roleTemplateId ?? '').toLowerCase()}`;
}
