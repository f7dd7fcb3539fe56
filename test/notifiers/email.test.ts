import { describe, expect, it } from 'vitest';
import {
  AUTOMATED_MAIL_HEADERS,
  EMAIL_MAX_HTML_BYTES,
  emailSubject,
  escapeHtml,
  messageIdDomain,
  messageIdFor,
  renderEmail,
} from '../../src/notifiers/email.js';
import {
  CTX,
  manyTransitions,
  oneTransitionPerAlert,
  sampleIncidents,
  scanOfTransitions,
  TRANSITION_TYPES,
  transitionOf,
} from './sample-transitions.js';

describe('renderEmail', () => {
  describe.each(TRANSITION_TYPES)('%s', (type) => {
    it.each(oneTransitionPerAlert(type))('$alert matches its snapshot', (transition) => {
      const email = renderEmail([transition], CTX);
      expect(email.subject).toMatchSnapshot('subject');
      expect(email.text).toMatchSnapshot('text');
      expect(email.html).toMatchSnapshot('html');
    });
  });

  it('says tenant, severities and count in the subject', () => {
    const [high, medium] = [
      oneTransitionPerAlert('opened').find((t) => t.severity === 'high')!,
      oneTransitionPerAlert('opened').find((t) => t.severity === 'medium')!,
    ];
    expect(emailSubject([high, high, medium], CTX)).toBe(
      '[pimwatch] Contoso: 2 high, 1 medium – 3 PIM alert changes',
    );
    expect(emailSubject([medium], CTX, '[SOC]')).toBe('[SOC] Contoso: 1 medium – 1 PIM alert change');
    expect(emailSubject([medium], { ...CTX, tenantName: 'Evil\r\nBcc: x@example.com' })).toBe(
      '[pimwatch] Evil Bcc: x@example.com: 1 medium – 1 PIM alert change',
    );
  });

  it('renders a scan as one mail grouped by alert, most severe first, the same lines in both bodies', () => {
    const scan = scanOfTransitions();
    const email = renderEmail(scan, CTX);
    expect(email.subject).toBe('[pimwatch] Contoso: 2 high, 3 medium, 6 low – 11 PIM alert changes');
    expect(email.text).toMatchSnapshot();
    const high = email.text.indexOf('— High ·');
    const low = email.text.indexOf('— Low ·');
    expect(high).toBeGreaterThan(-1);
    expect(high).toBeLessThan(low);
    // One line per change, one link to the PIM alert per alert (not three links per change).
    expect(email.text.match(/^ {2}- (New|Reopened|Resolved) · /gm)).toHaveLength(scan.length);
    expect(email.html.match(/<li>/g)).toHaveLength(scan.length);
    const alerts = new Set(scan.map((t) => t.alert)).size;
    expect(email.html.match(/Open the PIM alert/g)).toHaveLength(alerts);
    expect(email.html).not.toContain('UserDetailsMenuBlade');
    expect(email.text).not.toMatch(/\d{4}-\d{2}-\d{2}T\d{2}:/);
    expect(email.text).toContain("The scan's HTML report lists every change");
  });

  it('keeps a digest under 100 KB of HTML, saying "and N more"', () => {
    expect(EMAIL_MAX_HTML_BYTES).toBe(100_000);
    const email = renderEmail(manyTransitions(1500), CTX);
    const bytes = Buffer.byteLength(email.html, 'utf8');
    expect(bytes).toBeLessThanOrEqual(100_000);
    expect(bytes).toBeGreaterThan(95_000);
    const shown = email.html.match(/<li>/g)!.length;
    expect(shown).toBeLessThan(1500);
    expect(email.html).toContain(`and ${1500 - shown} more changes not listed here.`);
    expect(email.text).toContain(`and ${1500 - shown} more changes not listed here.`);
  });

  it('links the console for each alert and the scan when one is configured', () => {
    const scan = scanOfTransitions();
    const email = renderEmail(scan, { ...CTX, consoleUrl: 'https://pimwatch.contoso.example' });
    expect(email.html).toContain(
      `href="https://pimwatch.contoso.example/tenants/${CTX.tenantId}?alert=StaleSignInAlert"`,
    );
    expect(email.text).toContain(
      `See all 11 changes: https://pimwatch.contoso.example/tenants/${CTX.tenantId}/scans/${scan[0]!.scanId}`,
    );
  });

  it('carries Auto-Submitted and a Message-ID under the configured or sender domain', () => {
    expect(AUTOMATED_MAIL_HEADERS).toEqual({ 'Auto-Submitted': 'auto-generated' });
    expect(messageIdDomain({ from: 'PIM@Contoso.example' })).toBe('contoso.example');
    expect(messageIdDomain({ from: 'pim@contoso.example', messageIdDomain: 'mail.contoso.example' })).toBe(
      'mail.contoso.example',
    );
    expect(messageIdDomain({})).toBe('pimwatch.invalid');
    expect(messageIdFor('soc-mail-1', 'contoso.example')).toBe('<soc-mail-1@contoso.example>');
  });

  it('escapes every piece of directory data in the HTML body', () => {
    const incident = sampleIncidents().StaleSignInAlert[0]!;
    const hostile = transitionOf(
      { ...incident, assigneeDisplayName: '<img src=x onerror="alert(1)">', roleDisplayName: 'Role & "Co"' },
      'opened',
    );
    const email = renderEmail([hostile], { ...CTX, tenantName: '<b>Contoso</b>' });
    expect(email.html).not.toContain('<img');
    expect(email.html).not.toContain('<b>Contoso');
    expect(email.html).toContain('&lt;img src=x onerror=&quot;alert(1)&quot;&gt;');
    expect(email.html).toContain('Role &amp; &quot;Co&quot;');
    expect(email.text).toContain('<img src=x onerror="alert(1)">');
  });

  it('escapes quotes and ampersands for attributes', () => {
    expect(escapeHtml(`a&b<c>"d"'e'`)).toBe('a&amp;b&lt;c&gt;&quot;d&quot;&#39;e&#39;');
  });

  it('refuses an empty mail', () => {
    expect(() => renderEmail([], CTX)).toThrow(RangeError);
  });
});
