import { describe, expect, it } from 'vitest';
import { emailSubject, escapeHtml, renderEmail } from '../../src/notifiers/email.js';
import {
  CTX,
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

  it('renders a scan as one mail, most severe first, with the same facts in both bodies', () => {
    const email = renderEmail(scanOfTransitions(), CTX);
    expect(email.subject).toBe('[pimwatch] Contoso: 2 high, 3 medium, 6 low – 11 PIM alert changes');
    expect(email.text).toMatchSnapshot();
    const firstHigh = email.text.indexOf('[HIGH');
    const firstLow = email.text.indexOf('[LOW');
    expect(firstHigh).toBeGreaterThan(-1);
    expect(firstHigh).toBeLessThan(firstLow);
    for (const url of ['Microsoft_Azure_PIMCommon/AlertDetail', 'UserDetailsMenuBlade', 'RoleMenuBlade']) {
      expect(email.text).toContain(url);
      expect(email.html).toContain(url);
    }
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
