import Fastify, { type FastifyBaseLogger } from 'fastify';
import { describe, expect, it } from 'vitest';
import { createLogger } from '../../src/log.js';

const WEBHOOK_URL = 'https://prod.westeurope.logic.azure.com/workflows/4f1c/invoke?sig=TeamsSig0123456789abc';

/** A logger as the services make it, writing its lines here. */
function capturedLogger() {
  const lines: Record<string, unknown>[] = [];
  const logger = createLogger({
    level: 'info',
    destination: { write: (line: string) => void lines.push(JSON.parse(line) as Record<string, unknown>) },
  });
  return { logger, lines };
}

describe('log redaction', () => {
  // regression guard: `url` was on the list, which hid every request URL in Fastify's logs.
  it("keeps a Fastify request's URL", async () => {
    const { logger, lines } = capturedLogger();
    const app = Fastify({ loggerInstance: logger as FastifyBaseLogger });
    app.get('/api/incidents', async () => ({ ok: true }));
    await app.inject({ method: 'GET', url: '/api/incidents?severity=high' });
    await app.close();
    const incoming = lines.find((l) => l.msg === 'incoming request');
    expect(incoming).toMatchObject({ req: { method: 'GET', url: '/api/incidents?severity=high' } });
  });

  it("hides a channel's webhook URL wherever it is resolved or referenced", () => {
    const { logger, lines } = capturedLogger();
    logger.info({ webhookUrl: WEBHOOK_URL }, 'top level');
    logger.info({ delivery: { channel: 'ops', webhookUrl: WEBHOOK_URL } }, 'a sender input');
    logger.info({ notifiers: { webhooks: [{ name: 'siem', url: { env: 'SIEM_URL' } }] } }, 'config');
    logger.info({ webhooks: [{ name: 'siem', url: { file: '/run/secrets/siem-url' } }] }, 'config section');
    const text = JSON.stringify(lines);
    expect(text).not.toContain('TeamsSig0123456789abc');
    expect(text).not.toContain('SIEM_URL');
    expect(text).not.toContain('/run/secrets/siem-url');
    expect(lines.map((l) => l.msg)).toEqual(['top level', 'a sender input', 'config', 'config section']);
    expect(lines[1]).toMatchObject({ delivery: { channel: 'ops', webhookUrl: '[Redacted]' } });
    expect(lines[2]).toMatchObject({ notifiers: { webhooks: [{ name: 'siem', url: '[Redacted]' }] } });
  });
});
