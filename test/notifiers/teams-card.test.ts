import { describe, expect, it } from 'vitest';
import { PIM_ALERT_IDS } from '../../src/model/alerts.js';
import { renderContextFor } from '../../src/notifiers/links.js';
import {
  escapeMarkdown,
  messageBytes,
  renderTeamsCard,
  renderTeamsDigest,
  TEAMS_MAX_BYTES,
  type TeamsMessage,
} from '../../src/notifiers/teams-card.js';
import { adaptiveCardProblems } from './adaptive-card.js';
import {
  CTX,
  manyTransitions,
  oneTransitionPerAlert,
  sampleIncidents,
  scanOfTransitions,
  TRANSITION_TYPES,
  transitionOf,
} from './sample-transitions.js';

const cardOf = (message: TeamsMessage) => message.attachments[0].content;

/** Every TextBlock text in a card, depth first. */
function texts(message: TeamsMessage): string[] {
  const out: string[] = [];
  const walk = (items: unknown[]) => {
    for (const item of items as { type: string; text?: string; items?: unknown[] }[]) {
      if (item.type === 'TextBlock' && item.text) out.push(item.text);
      if (item.items) walk(item.items);
    }
  };
  walk(cardOf(message).body);
  return out;
}

describe('renderTeamsCard', () => {
  describe.each(TRANSITION_TYPES)('%s', (type) => {
    it.each(oneTransitionPerAlert(type))(
      '$alert matches its snapshot and is a valid Adaptive Card 1.5',
      (transition) => {
        const message = renderTeamsCard(transition, CTX);
        expect(adaptiveCardProblems(cardOf(message))).toEqual([]);
        expect(messageBytes(message)).toBeLessThan(TEAMS_MAX_BYTES);
        expect(message).toMatchSnapshot();
      },
    );
  });

  it('wraps the card in the message envelope Teams Workflows expects', () => {
    const message = renderTeamsCard(oneTransitionPerAlert('opened')[0]!, CTX);
    expect(message).toMatchObject({
      type: 'message',
      attachments: [{ contentType: 'application/vnd.microsoft.card.adaptive', contentUrl: null }],
    });
    expect(cardOf(message)).toMatchObject({
      type: 'AdaptiveCard',
      version: '1.5',
      msteams: { width: 'Full' },
    });
  });

  it('shows severity in colour and in words, and a resolved incident in green', () => {
    const [high] = oneTransitionPerAlert('opened').filter((t) => t.severity === 'high');
    const opened = cardOf(renderTeamsCard(high!, CTX));
    expect(opened.body[0]).toMatchObject({ type: 'Container', style: 'attention' });
    expect(texts(renderTeamsCard(high!, CTX))[0]).toBe('HIGH · NEW');
    const resolved = renderTeamsCard({ ...high!, type: 'resolved' }, CTX);
    expect(cardOf(resolved).body[0]).toMatchObject({ style: 'good' });
    expect(texts(resolved)[0]).toBe('HIGH · RESOLVED');
    expect(texts(resolved)).not.toContain('What to do');
    expect(texts(renderTeamsCard({ ...high!, type: 'reopened' }, CTX))).toContain('What to do');
  });

  it('has one button per remediation page, principal and role included', () => {
    const outside = oneTransitionPerAlert('opened').find((t) => t.alert === 'RolesAssignedOutsidePimAlert')!;
    const titles = (cardOf(renderTeamsCard(outside, CTX)).actions ?? []).map((a) => a.title);
    expect(titles).toEqual([
      'PIM alert: Role assigned outside Privileged Identity Management',
      'PIM alerts for Microsoft Entra roles',
      'User: alice@contoso.example',
      'Role: Global Administrator',
    ]);
  });

  it('escapes Markdown in directory data so names cannot format text or make links', () => {
    const incident = sampleIncidents().StaleSignInAlert[0]!;
    const hostile = transitionOf(
      {
        ...incident,
        assigneeDisplayName: '[Reset password](https://evil.example) *now*',
        assigneeUserPrincipalName: 'adm_priya_raman@contoso.example',
      },
      'opened',
    );
    const body = JSON.stringify(cardOf(renderTeamsCard(hostile, CTX)).body);
    expect(body).toContain('\\\\[Reset password\\\\](https://evil.example) \\\\*now\\\\*');
    expect(body).toContain('adm\\\\_priya\\\\_raman@contoso.example');
    expect(escapeMarkdown('a_b*c[d]e`f~g\\h')).toBe('a\\_b\\*c\\[d\\]e\\`f\\~g\\\\h');
  });

  it('is deterministic: the same transition renders byte for byte the same', () => {
    const t = oneTransitionPerAlert('reopened')[3]!;
    expect(JSON.stringify(renderTeamsCard(t, CTX))).toBe(
      JSON.stringify(renderTeamsCard(structuredClone(t), CTX)),
    );
  });
});

describe('renderTeamsDigest', () => {
  /** The alert sections of a digest: containers whose first text is `<title> (<count>)`. */
  function sections(message: TeamsMessage) {
    const body = cardOf(message).body as {
      type: string;
      items?: { type: string; text?: string; actions?: unknown[] }[];
    }[];
    return body
      .filter(
        (e) =>
          e.type === 'Container' && e.items?.some((i) => i.type === 'ActionSet' || i.text?.startsWith('• ')),
      )
      .map((c) => ({
        heading: c.items![0]!.text!,
        lines: c.items!.filter((i) => i.text?.startsWith('• ')).map((i) => i.text!),
        actions: c.items!.filter((i) => i.type === 'ActionSet').flatMap((i) => i.actions ?? []),
      }));
  }

  it('groups a scan by alert, most severe first: a heading with its count, one line per change, links once', () => {
    const scan = scanOfTransitions();
    const message = renderTeamsDigest(scan, CTX);
    expect(adaptiveCardProblems(cardOf(message))).toEqual([]);
    expect(message).toMatchSnapshot();
    const groups = sections(message);
    expect(groups).toHaveLength(new Set(scan.map((t) => t.alert)).size);
    expect(groups.flatMap((g) => g.lines)).toHaveLength(scan.length);
    for (const g of groups) {
      const count = Number(/\((\d+)\)$/.exec(g.heading)![1]);
      expect(g.lines).toHaveLength(count);
      // One link to the PIM alert per alert (no console configured), not three buttons per change.
      expect(g.actions).toEqual([expect.objectContaining({ title: 'Open the PIM alert' })]);
    }
    const highFirst = texts(message).findIndex((t) => t.startsWith('High · '));
    const lowFirst = texts(message).findIndex((t) => t.startsWith('Low · '));
    expect(highFirst).toBeGreaterThan(-1);
    expect(highFirst).toBeLessThan(lowFirst);
    expect(texts(message).some((t) => /^and \d+ more/.test(t))).toBe(false);
  });

  it('writes evidence in words: times in the configured locale and zone, never raw ISO', () => {
    const scan = scanOfTransitions();
    const gb = texts(renderTeamsDigest(scan, CTX)).join('\n');
    expect(gb).not.toMatch(/\d{4}-\d{2}-\d{2}T\d{2}:\d{2}/);
    expect(gb).toMatch(/\d{1,2} [A-Z][a-z]{2} \d{4}, \d{2}:\d{2} UTC/);
    const de = texts(renderTeamsDigest(scan, { ...CTX, locale: 'de-DE', timeZone: 'Europe/Berlin' })).join(
      '\n',
    );
    expect(de).toMatch(/\d{1,2}\. [A-Z][a-zä]+\.? \d{4}, \d{2}:\d{2} MES?Z/);
  });

  it.each(TRANSITION_TYPES)('renders a digest of %s changes of every alert as a valid card', (type) => {
    const message = renderTeamsDigest(oneTransitionPerAlert(type), CTX);
    expect(adaptiveCardProblems(cardOf(message))).toEqual([]);
    expect(texts(message)[1]).toMatch(/^7 changes: 7 (new|resolved|reopened)/);
  });

  it('keeps a digest of 500 incidents within 28,000 bytes, saying "and N more" and where to see all', () => {
    expect(TEAMS_MAX_BYTES).toBe(28_000);
    const message = renderTeamsDigest(manyTransitions(500), CTX);
    const bytes = messageBytes(message);
    expect(bytes).toBeLessThanOrEqual(28_000);
    expect(adaptiveCardProblems(cardOf(message))).toEqual([]);
    const shown = texts(message).filter((t) => t.startsWith('• ')).length;
    expect(shown).toBeGreaterThan(5);
    const end = texts(message).at(-1)!;
    expect(end).toMatch(
      new RegExp(`^and ${500 - shown} more changes not listed here\\. The scan's HTML report`),
    );
    expect(cardOf(message).actions).toEqual([
      {
        type: 'Action.OpenUrl',
        title: 'All PIM alerts',
        url: `https://entra.microsoft.com/${CTX.tenantId}/#view/Microsoft_Azure_PIMCommon/ResourceMenuBlade/~/Alerts/resourceId//resourceType/tenant/provider/aadroles`,
      },
    ]);
    // As many as fit: the card is nearly full, not trimmed early.
    expect(bytes).toBeGreaterThan(27_000);
  });

  it('fits exactly at the limit and trims one byte under it', () => {
    const transitions = manyTransitions(40);
    const full = messageBytes(renderTeamsDigest(transitions, CTX, { maxBytes: 1_000_000 }));
    const atEdge = renderTeamsDigest(transitions, CTX, { maxBytes: full });
    expect(messageBytes(atEdge)).toBe(full);
    expect(texts(atEdge).filter((t) => t.startsWith('• '))).toHaveLength(40);
    const under = renderTeamsDigest(transitions, CTX, { maxBytes: full - 1 });
    expect(messageBytes(under)).toBeLessThan(full);
    expect(texts(under).filter((t) => t.startsWith('• ')).length).toBeLessThan(40);
    expect(texts(under).at(-1)).toMatch(/^and \d+ more change/);
  });

  it('links each alert and "See all" to the console when one is configured', () => {
    const scan = scanOfTransitions();
    const ctx = renderContextFor(
      { id: CTX.tenantId, name: 'Contoso' },
      { consoleUrl: 'https://pimwatch.contoso.example/' },
    );
    const message = renderTeamsDigest(scan, ctx);
    for (const [i, g] of sections(message).entries()) {
      expect(g.actions).toContainEqual({
        type: 'Action.OpenUrl',
        title: 'Show in pimwatch',
        url: expect.stringMatching(
          new RegExp(`^https://pimwatch\\.contoso\\.example/tenants/${CTX.tenantId}\\?alert=[A-Za-z]+Alert$`),
        ),
      });
      expect(i).toBeLessThan(7);
    }
    expect(cardOf(message).actions).toEqual([
      {
        type: 'Action.OpenUrl',
        title: `See all ${scan.length} changes`,
        url: `https://pimwatch.contoso.example/tenants/${CTX.tenantId}/scans/${scan[0]!.scanId}`,
      },
    ]);
  });

  it('takes the incident list, console, locale and time zone from the configuration, per tenant', () => {
    const ctx = renderContextFor(
      { id: CTX.tenantId, name: 'Contoso', schedule: { timezone: 'Europe/Berlin' } },
      { incidentsUrl: 'https://pimwatch.contoso.example/tenants/{tenantId}/incidents' },
    );
    expect(ctx.incidentsUrl).toBe(`https://pimwatch.contoso.example/tenants/${CTX.tenantId}/incidents`);
    expect(ctx).toMatchObject({ locale: 'en-GB', timeZone: 'Europe/Berlin' });
    expect(renderContextFor({ id: CTX.tenantId, name: 'Contoso' }, {})).toEqual({
      ...CTX,
      locale: 'en-GB',
      timeZone: 'UTC',
    });
    expect(
      renderContextFor(
        { id: CTX.tenantId, name: 'Contoso' },
        { locale: 'en-US', timeZone: 'America/New_York' },
      ),
    ).toMatchObject({ locale: 'en-US', timeZone: 'America/New_York' });
  });

  it('honours a smaller limit', () => {
    const message = renderTeamsDigest(manyTransitions(50), CTX, { maxBytes: 8 * 1024 });
    expect(messageBytes(message)).toBeLessThanOrEqual(8 * 1024);
    expect(texts(message).some((t) => /^and \d+ more/.test(t))).toBe(true);
  });

  it('refuses an empty digest', () => {
    expect(() => renderTeamsDigest([], CTX)).toThrow(RangeError);
  });

  it('covers every alert', () => {
    expect(new Set(scanOfTransitions().map((t) => t.alert))).toEqual(new Set(PIM_ALERT_IDS));
  });
});
