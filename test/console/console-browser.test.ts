import { execFileSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { type Browser, type BrowserContext, chromium, type Page, type Response } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningApi, startApiServer } from '../../src/api/server.js';
import { CONTENT_SECURITY_POLICY } from '../../src/console/security.js';
import { type RunningWorker, startWorker } from '../../src/jobs/worker.js';
import { createLogger } from '../../src/log.js';
import { demoFixture } from '../support/demo-fixture.js';
import { freePort } from '../support/redis-server.js';
import { API_KEY, type ServiceEnv, startServiceEnv } from '../support/service-harness.js';

const CONSOLE_CLIENT_ID = '5d0c7e54-2b8f-4a57-9d1e-c0501e000012';
const OPERATOR_ROLE = 'Console.Operator';
const HOSTILE_NAME = `<script>window.__pwned=1</script> "Ops" O'Neil`;
const SHOTS = 'test-results';

/** Debian's chromium; playwright-core never downloads a browser. */
function chromiumPath(): string {
  return execFileSync('which', ['chromium'], { encoding: 'utf8' }).trim();
}

describe('the console in a real browser (Chromium), signing in through the emulated Entra ID', () => {
  let env: ServiceEnv;
  let api: RunningApi;
  let worker: RunningWorker;
  let browser: Browser;
  let base: string;
  let tenantId: string;
  let operator: { upn: string };
  let outsider: { upn: string; name: string };
  /** Every response the console sent, for the header checks. */
  const consoleResponses: Response[] = [];

  async function newContext(): Promise<BrowserContext> {
    // The emulator's certificate comes from its own CA, which only pimwatch is told to trust.
    const context = await browser.newContext({
      ignoreHTTPSErrors: true,
      viewport: { width: 1280, height: 900 },
    });
    context.on('response', (r) => {
      if (r.url().startsWith(base)) consoleResponses.push(r);
    });
    return context;
  }

  async function signIn(page: Page, upn: string): Promise<void> {
    await page.goto(`${base}/`);
    await expect.poll(() => page.url()).toContain('/oauth2/v2.0/authorize');
    await page.selectOption('#username', upn);
    await page.click('#sign-in');
    await page.waitForLoadState('load');
  }

  beforeAll(async () => {
    const fixture = await demoFixture();
    tenantId = fixture.tenantId;
    const users = fixture.resources.users as { id: string; displayName: string; userPrincipalName: string }[];
    const [op, out] = [users[2]!, users[3]!];
    op.displayName = HOSTILE_NAME;
    out.displayName = `Outsider "no role" O'Hara`;
    operator = { upn: op.userPrincipalName };
    outsider = { upn: out.userPrincipalName, name: out.displayName };
    fixture.appRoleAssignments = [{ clientId: CONSOLE_CLIENT_ID, principalId: op.id, value: OPERATOR_ROLE }];
    env = await startServiceEnv([fixture], { timeShiftTo: new Date() });
    const port = await freePort();
    base = `http://127.0.0.1:${port}`;
    process.env.PIMWATCH_TEST_CONSOLE_SECRET = 'console-client-secret';
    const { config } = env.writeConfig({
      tenants: [{ id: tenantId, name: 'Harbourline (console test)' }],
      api: { host: '127.0.0.1', port },
      console: {
        auth: {
          type: 'entra',
          tenantId,
          clientId: CONSOLE_CLIENT_ID,
          clientSecret: { env: 'PIMWATCH_TEST_CONSOLE_SECRET' },
          redirectUri: `${base}/auth/callback`,
          allowedRoles: [OPERATOR_ROLE],
        },
      },
    });
    const logger = createLogger({ level: process.env.CONSOLE_TEST_LOG ?? 'silent' });
    worker = await startWorker({ config, logger });
    api = await startApiServer(config, logger, port);
    browser = await chromium.launch({ executablePath: chromiumPath(), args: ['--no-sandbox'] });
    mkdirSync(SHOTS, { recursive: true });
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await api?.close();
    await worker?.close();
    await env?.stop();
  });

  it('an operator signs in, scans, filters to high severity and opens an incident; a forged CSRF token and an API key get nothing', async () => {
    const context = await newContext();
    const page = await context.newPage();
    await signIn(page, operator.upn);
    expect(new URL(page.url()).pathname).toBe('/');
    await expect.poll(() => page.locator('h1').textContent()).toBe('Tenants');
    expect(await page.locator('table').textContent()).toContain('Harbourline (console test)');
    // The hostile display name is shown as text, never run.
    expect(await page.locator('nav .who').textContent()).toContain(HOSTILE_NAME);
    expect(await page.evaluate(() => (globalThis as { __pwned?: number }).__pwned)).toBeUndefined();
    await page.screenshot({ path: join(SHOTS, 'console-tenants-before-scan.png'), fullPage: true });

    await page.click('text=Harbourline (console test)');
    await page.click('#scan-now');
    await expect.poll(() => page.url()).toMatch(/\/tenants\/[^/]+\/scans\/[^/]+$/);
    await page.screenshot({ path: join(SHOTS, 'console-scan-progress.png') });
    await page.waitForSelector('h2:text("Changes")', { timeout: 45_000 });
    expect(await page.locator('main').textContent()).toMatch(/complete|partial/);
    await page.screenshot({ path: join(SHOTS, 'console-scan.png'), fullPage: true });

    await page.goto(`${base}/`);
    expect(await page.locator('table').textContent()).toMatch(/both \d+ · ours only \d+ · PIM only \d+/);
    expect(await page.locator('svg.trend').count()).toBe(1);
    await page.screenshot({ path: join(SHOTS, 'console-tenants.png'), fullPage: true });

    await page.goto(`${base}/tenants/${tenantId}`);
    await page.selectOption('#f-severity', 'high');
    await page.click('form.filters button');
    expect(new URL(page.url()).searchParams.get('severity')).toBe('high');
    const rows = page.locator('main table').first().locator('tbody tr');
    expect(await rows.count()).toBeGreaterThan(0);
    for (const text of await rows.allTextContents()) expect(text).toMatch(/^High/);
    await page.screenshot({ path: join(SHOTS, 'console-tenant-high.png'), fullPage: true });

    // One held by a person, so the principal's and the role's pages are among the links.
    await rows.filter({ hasText: '·' }).first().locator('a').click();
    await page.waitForSelector('h2:text("Lifecycle")');
    const incident = (await page.locator('main').textContent()) ?? '';
    expect(incident).toContain('First seen');
    expect(incident).toContain('Compared with PIM');
    expect(incident).toMatch(/Evidence:|Holding since|Assigned outside PIM/);
    const links = await page
      .locator('ul.links a')
      .evaluateAll((as) => as.map((a) => (a as unknown as { href: string }).href));
    expect(links.length).toBeGreaterThan(2);
    for (const href of links) expect(href).toMatch(/^https:\/\/entra\.microsoft\.com\//);
    await page.screenshot({ path: join(SHOTS, 'console-incident.png'), fullPage: true });

    await page.goto(`${base}/feed`);
    expect(await page.locator('details').count()).toBeGreaterThan(0);
    await page.screenshot({ path: join(SHOTS, 'console-feed.png'), fullPage: true });

    // Same cookies as the signed-in page, but a token the console never issued.
    const forged = await context.request.post(`${base}/tenants/${tenantId}/scan`, {
      form: { csrf: 'forged-token' },
      maxRedirects: 0,
    });
    expect(forged.status()).toBe(403);
    expect(await forged.text()).toContain('CSRF token mismatch');
    const noToken = await context.request.post(`${base}/tenants/${tenantId}/scan`, {
      form: {},
      maxRedirects: 0,
    });
    expect(noToken.status()).toBe(403);

    // API keys are for machines: a bearer key does not open the console.
    const withKey = await fetch(`${base}/`, {
      headers: { authorization: `Bearer ${API_KEY}` },
      redirect: 'manual',
    });
    expect(withKey.status).toBe(302);
    expect(withKey.headers.get('location')).toMatch(/^\/login/);

    await page.goto(`${base}/`);
    await page.click('nav button:text("Sign out")');
    await page.waitForSelector('h1:text("Signed out")');
    await page.screenshot({ path: join(SHOTS, 'console-signed-out.png') });
    const after = await context.request.get(`${base}/`, { maxRedirects: 0 });
    expect(after.status()).toBe(302);
    expect(after.headers().location).toMatch(/^\/login/);
    await context.close();
  }, 90_000);

  it('without JavaScript, "scan now" joins a running scan and the page reloads until it ends', async () => {
    const context = await browser.newContext({ ignoreHTTPSErrors: true, javaScriptEnabled: false });
    context.on('response', (r) => {
      if (r.url().startsWith(base)) consoleResponses.push(r);
    });
    const page = await context.newPage();
    await signIn(page, operator.upn);
    await page.goto(`${base}/tenants/${tenantId}`);
    const csrf = await page.locator('form[action$="/scan"] input[name="csrf"]').getAttribute('value');
    const ask = () =>
      context.request.post(`${base}/tenants/${tenantId}/scan`, { form: { csrf: csrf! }, maxRedirects: 0 });
    const [first, second] = [await ask(), await ask()];
    expect(first.status()).toBe(303);
    // One scan per tenant at a time: the second press gets the scan already waiting or running.
    expect(second.headers().location).toBe(first.headers().location);
    await page.goto(`${base}${first.headers().location}`);
    await page.waitForSelector('h2:text("Changes")', { timeout: 45_000 });
    await context.close();
  }, 60_000);

  it('a user without the app role is refused, with their name escaped', async () => {
    const context = await newContext();
    const page = await context.newPage();
    await signIn(page, outsider.upn);
    expect(await page.locator('h1').textContent()).toBe('Access refused');
    expect(await page.locator('main').textContent()).toContain(outsider.name);
    await page.screenshot({ path: join(SHOTS, 'console-refused.png') });
    const again = await context.request.get(`${base}/`, { maxRedirects: 0 });
    expect(again.status()).toBe(302);
    await context.close();
  }, 30_000);

  it('every console response carries the CSP, frame and cookie protections', () => {
    expect(consoleResponses.length).toBeGreaterThan(10);
    for (const response of consoleResponses) {
      const headers = response.headers();
      const where = `${response.request().method()} ${response.url()}`;
      expect(headers['content-security-policy'], where).toBe(CONTENT_SECURITY_POLICY);
      expect(headers['x-frame-options'], where).toBe('DENY');
      const cookie = headers['set-cookie'];
      if (cookie) {
        expect(cookie, where).toContain('HttpOnly');
        expect(cookie, where).toContain('SameSite=Lax');
      }
    }
    expect(CONTENT_SECURITY_POLICY).toContain("script-src 'self'");
    expect(CONTENT_SECURITY_POLICY).toContain("frame-ancestors 'none'");
    expect(CONTENT_SECURITY_POLICY).not.toContain('unsafe-inline');
  });
});
