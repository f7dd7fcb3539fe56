import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { simpleParser } from 'mailparser';
import { describe, expect, it } from 'vitest';
import type { Transition } from '../../src/model/lifecycle.js';
import { renderEmail } from '../../src/notifiers/email.js';
import { renderFeedEvent } from '../../src/notifiers/feed-event.js';
import { toOcsfDetectionFinding } from '../../src/notifiers/ocsf.js';
import { writeOutbox } from '../../src/notifiers/outbox.js';
import { renderTeamsCard, renderTeamsDigest, type TeamsMessage } from '../../src/notifiers/teams-card.js';
import { validateOcsfEvent } from '../support/ocsf-validator.js';
import { expectConformsTo, FEED_EVENT_SCHEMA } from '../support/published-schemas.js';
import { type CliRun, runPimwatch } from '../support/run-cli.js';
import { adaptiveCardProblems } from './adaptive-card.js';
import { CTX, scanOfTransitions } from './sample-transitions.js';

const TENANT = { id: CTX.tenantId, name: CTX.tenantName };

function tempDir(): string {
  return mkdtempSync(join(tmpdir(), 'pimwatch-outbox-'));
}

function ndjson(path: string): unknown[] {
  const text = readFileSync(path, 'utf8');
  expect(text === '' || text.endsWith('\n')).toBe(true);
  return text
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => JSON.parse(line) as unknown);
}

/** A scan's worth of changes, the last one on a suppressed incident. */
function transitions(): Transition[] {
  const all = scanOfTransitions();
  const last = all.at(-1)!;
  all[all.length - 1] = {
    ...last,
    suppressed: {
      id: 'sup-1',
      tenantId: last.tenantId,
      fingerprint: last.fingerprint,
      reason: 'accepted risk',
      author: 'test',
      createdAt: '2026-06-01T00:00:00.000Z',
      expiresAt: '2026-07-01T00:00:00.000Z',
    },
  };
  return all;
}

describe('writeOutbox', () => {
  it('writes a card per transition and a digest, mails as .eml and the feed as NDJSON; sends nothing', async () => {
    const dir = tempDir();
    const changes = transitions();
    const people = changes.filter((t) => !t.suppressed);
    const summary = await writeOutbox({ dir, tenant: TENANT, transitions: changes });
    expect(summary).toMatchObject({
      dir,
      teamsCards: people.length,
      teamsDigest: true,
      emails: people.length + 1,
      feedEvents: changes.length,
    });

    // Teams: one message per transition people are told about, in feed order, plus the digest.
    const cards = readdirSync(join(dir, 'teams')).sort();
    expect(cards).toHaveLength(people.length + 1);
    expect(cards.at(-1)).toBe('digest.json');
    const perTransition = cards.slice(0, -1);
    expect(perTransition[0]).toBe(
      `001-${people[0]!.type}-${people[0]!.alert}-${people[0]!.eventId.slice(0, 8)}.json`,
    );
    perTransition.forEach((file, i) => {
      const message = JSON.parse(readFileSync(join(dir, 'teams', file), 'utf8')) as TeamsMessage;
      expect(message).toEqual(renderTeamsCard(people[i]!, CTX));
      expect(adaptiveCardProblems(message.attachments[0].content)).toEqual([]);
    });
    const digest = JSON.parse(readFileSync(join(dir, 'teams', 'digest.json'), 'utf8')) as TeamsMessage;
    expect(digest).toEqual(renderTeamsDigest(people, CTX));
    expect(adaptiveCardProblems(digest.attachments[0].content)).toEqual([]);

    // Email: the digest and one mail per transition, each a message mailparser reads back whole.
    const mails = readdirSync(join(dir, 'email')).sort();
    expect(mails).toEqual([...perTransition.map((f) => f.replace(/\.json$/, '.eml')), 'digest.eml'].sort());
    const parsedDigest = await simpleParser(readFileSync(join(dir, 'email', 'digest.eml')));
    const expectedDigest = renderEmail(people, CTX);
    expect(parsedDigest.subject).toBe(expectedDigest.subject);
    expect(parsedDigest.subject).toMatch(/^\[pimwatch\] Contoso: .+ – 10 PIM alert changes$/);
    expect(parsedDigest.html).toBe(expectedDigest.html);
    expect(parsedDigest.text?.trim()).toBe(expectedDigest.text.trim());
    expect(parsedDigest.from?.text).toBe('pimwatch@outbox.invalid');
    // regression guard: Message-IDs ended in `@pimwatch`, which is no domain.
    expect(parsedDigest.messageId).toMatch(/^<outbox-[0-9a-f]{32}@outbox\.invalid>$/);
    expect(parsedDigest.headers.get('auto-submitted')).toBe('auto-generated');
    // regression guard: .eml files had bare LF line endings; RFC 5322 wants CRLF.
    const raw = readFileSync(join(dir, 'email', 'digest.eml'), 'latin1');
    expect(raw).toContain('\r\n');
    expect(raw.replaceAll('\r\n', '')).not.toContain('\n');
    const links = [...(parsedDigest.html || '').matchAll(/href="([^"]+)"/g)].map((m) => m[1]!);
    // A link to each alert's PIM page, and the closing "All PIM alerts".
    expect(links).toHaveLength(new Set(people.map((t) => t.alert)).size + 1);
    for (const link of links)
      expect(link.startsWith(`https://entra.microsoft.com/${CTX.tenantId}/`)).toBe(true);
    for (const [i, t] of people.entries()) {
      const mail = await simpleParser(readFileSync(join(dir, 'email', mails[i]!)));
      expect(mail.subject).toBe(renderEmail([t], CTX).subject);
      expect(mail.date?.toISOString()).toBe(new Date(t.at).toISOString());
    }

    // Feed: every transition, the suppressed one included, in both formats.
    expect(readdirSync(join(dir, 'feed')).sort()).toEqual(['events.ndjson', 'events.ocsf.ndjson']);
    const events = changes.map((t) => renderFeedEvent(t, CTX));
    expect(ndjson(join(dir, 'feed', 'events.ndjson'))).toEqual(events);
    const findings = ndjson(join(dir, 'feed', 'events.ocsf.ndjson'));
    expect(findings).toEqual(events.map(toOcsfDetectionFinding));
    expect(findings.every((f) => (f as { class_uid: number }).class_uid === 2004)).toBe(true);
    expectConformsTo(FEED_EVENT_SCHEMA, ndjson(join(dir, 'feed', 'events.ndjson')));
    for (const finding of findings) expect(validateOcsfEvent(finding).errors).toEqual([]);
    expect(summary.files.sort()).toEqual(
      [
        ...cards.map((f) => join('teams', f)),
        ...mails.map((f) => join('email', f)),
        'feed/events.ndjson',
        'feed/events.ocsf.ndjson',
      ].sort(),
    );
  });

  it('uses the configured email channel for sender, recipients and subject prefix', async () => {
    const dir = tempDir();
    await writeOutbox({
      dir,
      tenant: TENANT,
      transitions: transitions().slice(0, 2),
      notifiers: {
        email: [
          {
            name: 'soc-mail',
            from: 'pimwatch@contoso.example',
            to: ['soc@contoso.example', 'oncall@contoso.example'],
            subjectPrefix: '[PIM]',
            mode: 'digest',
            transport: {
              type: 'smtp',
              host: 'smtp.contoso.example',
              port: 587,
              secure: false,
              requireTls: true,
            },
          },
        ],
      },
    });
    const mail = await simpleParser(readFileSync(join(dir, 'email', 'digest.eml')));
    expect(mail.from?.text).toBe('pimwatch@contoso.example');
    expect(
      (Array.isArray(mail.to) ? mail.to : [mail.to]).flatMap((a) => a?.value.map((v) => v.address)),
    ).toEqual(['soc@contoso.example', 'oncall@contoso.example']);
    expect(mail.subject).toMatch(/^\[PIM\] Contoso: /);
  });

  it('replaces what an earlier run wrote and leaves every other file alone', async () => {
    const dir = tempDir();
    await writeOutbox({ dir, tenant: TENANT, transitions: transitions() });
    writeFileSync(join(dir, 'notes.txt'), 'mine');
    writeFileSync(join(dir, 'teams', 'notes.md'), 'mine too');
    const one = transitions().slice(0, 1);
    await writeOutbox({ dir, tenant: TENANT, transitions: one });
    const stem = `001-${one[0]!.type}-${one[0]!.alert}-${one[0]!.eventId.slice(0, 8)}`;
    expect(readdirSync(join(dir, 'teams')).sort()).toEqual([`${stem}.json`, 'digest.json', 'notes.md']);
    expect(readdirSync(join(dir, 'email')).sort()).toEqual([`${stem}.eml`, 'digest.eml']);
    expect(ndjson(join(dir, 'feed', 'events.ndjson'))).toHaveLength(1);
    expect(readFileSync(join(dir, 'notes.txt'), 'utf8')).toBe('mine');

    const empty = await writeOutbox({ dir, tenant: TENANT, transitions: [] });
    expect(empty).toMatchObject({ teamsCards: 0, teamsDigest: false, emails: 0, feedEvents: 0 });
    expect(readdirSync(join(dir, 'teams'))).toEqual(['notes.md']);
    expect(readdirSync(join(dir, 'email'))).toEqual([]);
    expect(ndjson(join(dir, 'feed', 'events.ndjson'))).toEqual([]);
  });
});

/** `pimwatch` in its own process with another working directory, as someone runs the demo from anywhere. */
function runPimwatchIn(cwd: string, args: string[]): Promise<CliRun> {
  const root = fileURLToPath(new URL('../..', import.meta.url));
  const tsx = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;
  return new Promise((done, fail) => {
    const child = spawn(process.execPath, ['--import', tsx, join(root, 'src/main.ts'), ...args], {
      cwd,
      env: { ...process.env, PIMWATCH_DEBUG: '' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => {
      stdout += d;
    });
    child.stderr.on('data', (d) => {
      stderr += d;
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
    child.on('error', fail);
    child.on('close', (code) => {
      clearTimeout(timer);
      done({ code, stdout, stderr });
    });
  });
}

describe('pimwatch scan --outbox', () => {
  it('--demo writes ./outbox by default and says where', async () => {
    const cwd = tempDir();
    const run = await runPimwatchIn(cwd, ['scan', '--demo']);
    expect(run.code, run.stderr).toBe(0);
    const dir = join(cwd, 'outbox');
    expect(run.stdout).toMatch(/^pimwatch scan of Harbourline Freight/);
    expect(run.stdout.trimEnd().split('\n').at(-1)).toBe(
      `outbox: 38 Teams card(s) and a digest, 39 email(s) (.eml) and 38 feed event(s) (NDJSON, pimwatch and OCSF) written to ${dir} (nothing was sent)`,
    );
    expect(readdirSync(join(dir, 'teams'))).toHaveLength(39);
    const mail = await simpleParser(readFileSync(join(dir, 'email', 'digest.eml')));
    expect(mail.subject).toBe(
      '[pimwatch] Harbourline Freight: 4 high, 15 medium, 19 low – 38 PIM alert changes',
    );
    const events = ndjson(join(dir, 'feed', 'events.ndjson')) as { tenantName: string; type: string }[];
    expect(events).toHaveLength(38);
    expect(events.every((e) => e.tenantName === 'Harbourline Freight' && e.type === 'incident.opened')).toBe(
      true,
    );
  }, 90_000);

  it('writes where --outbox says; with JSON on standard output the note goes to standard error', async () => {
    const dir = join(tempDir(), 'nested', 'box');
    const run = await runPimwatch(['scan', '--demo', '--format', 'json', '--outbox', dir]);
    expect(run.code, run.stderr).toBe(0);
    const report = JSON.parse(run.stdout) as { transitions: { opened: number } };
    expect(report.transitions.opened).toBe(38);
    expect(run.stderr).toContain(`written to ${dir} (nothing was sent)`);
    expect(ndjson(join(dir, 'feed', 'events.ocsf.ndjson'))).toHaveLength(38);
  }, 90_000);

  it('--no-outbox writes nothing, even for the demo', async () => {
    const cwd = tempDir();
    const run = await runPimwatchIn(cwd, ['scan', '--demo', '--no-outbox']);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).not.toContain('outbox');
    expect(existsSync(join(cwd, 'outbox'))).toBe(false);
  }, 90_000);
});
