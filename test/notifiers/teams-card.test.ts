import { describe, expect, it } from 'vitest';
import { ALERT_IDS } from '../../src/model/alerts.js';
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
  it('lists a scan of changes, most severe first, as a valid card', () => {
    const message = renderTeamsDigest(scanOfTransitions(), CTX);
    expect(adaptiveCardProblems(cardOf(message))).toEqual([]);
    expect(message).toMatchSnapshot();
    const badges = texts(message).filter((t) => /^(HIGH|MEDIUM|LOW) · /.test(t));
    expect(badges).toHaveLength(scanOfTransitions().length);
    expect(badges[0]).toMatch(/^HIGH/);
    expect(badges.at(-1)).toMatch(/^LOW/);
    expect(texts(message).some((t) => t.startsWith('and '))).toBe(false);
  });

  it.each(TRANSITION_TYPES)('renders a digest of %s changes of every alert as a valid card', (type) => {
    const message = renderTeamsDigest(oneTransitionPerAlert(type), CTX);
    expect(adaptiveCardProblems(cardOf(message))).toEqual([]);
    expect(texts(message)[1]).toMatch(/^7 changes: 7 (new|resolved|reopened)/);
  });

  it('keeps a digest of 500 incidents under 28 KB, saying "and N more" with a link', () => {
    const transitions = manyTransitions(500);
    const message = renderTeamsDigest(transitions, CTX);
    const bytes = messageBytes(message);
    expect(bytes).toBeLessThanOrEqual(28 * 1024);
    expect(adaptiveCardProblems(cardOf(message))).toEqual([]);
    const shown = texts(message).filter((t) => /^(HIGH|MEDIUM|LOW) · /.test(t)).length;
    expect(shown).toBeGreaterThan(5);
    expect(texts(message)).toContain(`and ${500 - shown} more`);
    expect(cardOf(message).actions).toEqual([
      {
        type: 'Action.OpenUrl',
        title: 'See all 500 changes',
        url: `https://entra.microsoft.com/${CTX.tenantId}/#view/Microsoft_Azure_PIMCommon/ResourceMenuBlade/~/Alerts/resourceId//resourceType/tenant/provider/aadroles`,
      },
    ]);
    // As many as fit: the card is nearly full, not trimmed early.
    expect(bytes).toBeGreaterThan(26 * 1024);
  });

  it('links "and N more" to the configured incident list when there is one', () => {
    const url = 'https://pimwatch.contoso.example/tenants/x/incidents';
    const message = renderTeamsDigest(manyTransitions(100), { ...CTX, incidentsUrl: url });
    expect(cardOf(message).actions?.[0]?.url).toBe(url);
  });

  it('takes the incident list from the configuration, per tenant', () => {
    const ctx = renderContextFor(
      { id: CTX.tenantId, name: 'Contoso' },
      { incidentsUrl: 'https://pimwatch.contoso.example/tenants/{tenantId}/incidents' },
    );
    expect(ctx.incidentsUrl).toBe(`https://pimwatch.contoso.example/tenants/${CTX.tenantId}/incidents`);
    expect(renderContextFor({ id: CTX.tenantId, name: 'Contoso' }, {})).toEqual(CTX);
  });

  it('honours a smaller limit', () => {
    const message = renderTeamsDigest(manyTransitions(50), CTX, { maxBytes: 8 * 1024 });
    expect(messageBytes(message)).toBeLessThanOrEqual(8 * 1024);
    expect(texts(message).some((t) => /^and \d+ more$/.test(t))).toBe(true);
  });

  it('refuses an empty digest', () => {
    expect(() => renderTeamsDigest([], CTX)).toThrow(RangeError);
  });

  it('covers every alert', () => {
    expect(new Set(scanOfTransitions().map((t) => t.alert))).toEqual(new Set(ALERT_IDS));
  });
});
