import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type DefaultTreeAdapterMap, type ParserError, parse } from 'parse5';
import { beforeAll, describe, expect, it } from 'vitest';
import { OUTBOX_REPORT_FILE, runScanCommand } from '../../src/cli/scan-command.js';
import { formatHtml } from '../../src/scan/format-html.js';
import type { ScanReport } from '../../src/scan/report.js';
import { escapeHtml } from '../../src/util/html.js';
import { demoFixture, demoNow } from '../support/demo-fixture.js';
import { scanFixture } from '../support/scan-harness.js';

type Node = DefaultTreeAdapterMap['node'];

/** Parses with parse5 and fails on every parse error (unclosed elements, bad nesting, stray text). */
function parseStrict(text: string) {
  const errors: ParserError[] = [];
  const document = parse(text, { onParseError: (e) => errors.push(e) });
  return { document, errors: errors.map((e) => `${e.code} at line ${e.startLine}:${e.startCol}`) };
}

function* elements(node: Node): Generator<DefaultTreeAdapterMap['element']> {
  if ('tagName' in node) yield node;
  const children = 'childNodes' in node ? node.childNodes : [];
  for (const child of children) yield* elements(child);
  if ('content' in node && node.content) yield* elements(node.content as Node);
}

/** Every web address the page would load (anything but a link a person follows). */
function loadedUrls(text: string): string[] {
  const { document } = parseStrict(text);
  const found: string[] = [];
  for (const el of elements(document)) {
    for (const attr of el.attrs) {
      const isLink = el.tagName === 'a' && attr.name === 'href';
      if (!isLink && /https?:/i.test(attr.value)) found.push(`<${el.tagName} ${attr.name}="${attr.value}">`);
    }
    if (el.tagName === 'style' || el.tagName === 'script') {
      const body = el.childNodes.map((c) => ('value' in c ? c.value : '')).join('');
      for (const m of body.matchAll(/https?:[^\s)'"]*/gi)) found.push(`${el.tagName}: ${m[0]}`);
    }
  }
  return found;
}

describe('scan --format html', () => {
  let report: ScanReport;
  let page: string;

  beforeAll(async () => {
    const dir = mkdtempSync(join(tmpdir(), 'pimwatch-html-'));
    let stdout = '';
    const code = await runScanCommand(
      { demo: true, format: 'json', outbox: dir, now: (await demoNow()).toISOString(), state: 'memory' },
      (t) => {
        stdout += t;
        return true;
      },
      () => true,
    );
    expect(code).toBe(0);
    report = JSON.parse(stdout) as ScanReport;
    page = readFileSync(join(dir, OUTBOX_REPORT_FILE), 'utf8');
  }, 60_000);

  it("the demo's outbox report names every incident's principal, role and alert", () => {
    expect(report.incidents.length).toBeGreaterThan(0);
    for (const i of report.incidents) {
      const where = `${i.alert} ${i.fingerprint}`;
      expect(page, where).toContain(`alert-${i.alert}`);
      if (i.assigneeDisplayName) expect(page, where).toContain(escapeHtml(i.assigneeDisplayName));
      if (i.roleDisplayName) expect(page, where).toContain(escapeHtml(i.roleDisplayName));
    }
    expect(page).toContain(escapeHtml(report.tenantName));
    expect(page).toContain('Complete:');
  });

  it('parses as HTML without a single parse error', () => {
    expect(parseStrict(page).errors).toEqual([]);
  });

  it('loads nothing from the web: no script, no external style, font or image; web addresses only in links', () => {
    expect(loadedUrls(page)).toEqual([]);
    const { document } = parseStrict(page);
    const tags = new Set([...elements(document)].map((e) => e.tagName));
    for (const tag of ['script', 'link', 'img', 'iframe', 'object', 'embed'])
      expect(tags.has(tag), tag).toBe(false);
    expect(page).toContain('@media print');
    // The check itself must catch what it guards against.
    expect(
      loadedUrls(
        '<!DOCTYPE html><html><head><title>x</title></head><body><img src="https://x.example/a.png" alt=""></body></html>',
      ),
    ).toHaveLength(1);
  });

  it('a partial scan says so and names the failed source and why', async () => {
    const fixture = await demoFixture({
      faults: { 'auditLogs/directoryAudits': { status: 403, code: 'Authorization_RequestDenied' } },
    });
    const { report: partial } = await scanFixture(fixture, { now: await demoNow() });
    const text = formatHtml(partial);
    expect(text).toContain('Partial scan:');
    expect(text).toContain('<code>directoryAudits</code>');
    expect(text).toContain('403 Authorization_RequestDenied');
    expect(text).toMatch(/Unknown: [^<]*directoryAudits/);
    expect(parseStrict(text).errors).toEqual([]);
  }, 60_000);

  it('escapes display names holding markup and quotes', async () => {
    const hostile = `<script>alert("pwned")</script> O'Brien & "Co"`;
    const target = report.incidents.find((i) => i.assigneeType === 'user' && i.assigneeId)!;
    const fixture = await demoFixture();
    const users = fixture.resources.users as { id: string; displayName: string }[];
    users.find((u) => u.id === target.assigneeId)!.displayName = hostile;
    const { report: scanned } = await scanFixture(fixture, { now: await demoNow() });
    const text = formatHtml(scanned);
    expect(text).not.toContain('<script>');
    expect(text).toContain(
      '&lt;script&gt;alert(&quot;pwned&quot;)&lt;/script&gt; O&#39;Brien &amp; &quot;Co&quot;',
    );
    expect(parseStrict(text).errors).toEqual([]);
  }, 60_000);
});
