import { mkdir, readdir, rm, writeFile } from 'node:fs/promises';
import { join, relative, resolve } from 'node:path';
import nodemailer from 'nodemailer';
import type { Transition } from '../model/lifecycle.js';
import { deliveryKey } from './channels.js';
import type { NotifiersConfig } from './config-schema.js';
import {
  AUTOMATED_MAIL_HEADERS,
  messageIdDomain,
  messageIdFor,
  type RenderedEmail,
  renderEmail,
  senderOf,
} from './email.js';
import { renderFeedEvent } from './feed-event.js';
import { renderContextFor } from './links.js';
import { toOcsfDetectionFinding } from './ocsf.js';
import { renderTeamsCard, renderTeamsDigest } from './teams-card.js';

/**
 * The outbox: what a scan's transitions look like on every kind of channel, written to files instead of
 * sent. For the demo, and for anyone checking what a tenant's notifications will say before pointing
 * pimwatch at a real Teams channel or mailbox.
 *
 *   DIR/teams/NNN-<type>-<alert>-<event>.json   one Teams message (Adaptive Card) per transition
 *   DIR/teams/digest.json                       one Teams digest card for the whole scan
 *   DIR/email/digest.eml                        the scan as one mail (an email channel's default mode)
 *   DIR/email/NNN-<type>-<alert>-<event>.eml    one mail per transition (`mode: perTransition`)
 *   DIR/feed/events.ndjson                      SOC feed events, pimwatch schema, one per line
 *   DIR/feed/events.ocsf.ndjson                 the same events as OCSF Detection Findings
 *
 * As with routing, a suppressed incident's transitions are only in the feed files. `NNN` follows the
 * feed's order. Files of these kinds left in DIR by an earlier run are removed first; nothing else is.
 */

export interface OutboxOptions {
  dir: string;
  /** The tenant; its `schedule.timezone` is the default time zone of the times written. */
  tenant: { id: string; name: string; schedule?: { timezone?: string } };
  transitions: readonly Transition[];
  /**
   * The configuration's notifiers: the incidents page for digests, and the first email channel's
   * sender, recipients and subject prefix when there is one.
   */
  notifiers?: Pick<NotifiersConfig, 'incidentsUrl' | 'email'> &
    Partial<Pick<NotifiersConfig, 'consoleUrl' | 'locale' | 'timeZone'>>;
}

export interface OutboxSummary {
  /** Absolute. */
  dir: string;
  teamsCards: number;
  teamsDigest: boolean;
  emails: number;
  feedEvents: number;
  /** Every file written, relative to `dir`, in the order written. */
  files: string[];
}

/** Addresses for mail when no email channel is configured: `.invalid` can never be delivered to. */
const DEFAULT_FROM = 'pimwatch@outbox.invalid';
const DEFAULT_TO = ['security-team@outbox.invalid'];

const OWN_FILES: ReadonlyArray<readonly [string, RegExp]> = [
  ['teams', /\.json$/],
  ['email', /\.eml$/],
  ['feed', /\.ndjson$/],
];

function fileStem(transition: Transition, index: number): string {
  return `${String(index + 1).padStart(3, '0')}-${transition.type}-${transition.alert}-${transition.eventId.slice(0, 8)}`;
}

/** An RFC 822 message, built by nodemailer exactly as the SMTP sender would hand it over, and not sent. */
async function composeEml(
  email: RenderedEmail,
  envelope: { from: string; to: readonly string[]; messageId: string; date: Date },
): Promise<Buffer> {
  // CRLF, as RFC 5322 requires of a message and as SMTP would carry it.
  const composer = nodemailer.createTransport({ streamTransport: true, buffer: true, newline: 'windows' });
  const info = await composer.sendMail({
    from: envelope.from,
    to: [...envelope.to],
    subject: email.subject,
    text: email.text,
    html: email.html,
    messageId: envelope.messageId,
    date: envelope.date,
    headers: { ...AUTOMATED_MAIL_HEADERS },
  });
  return info.message as Buffer;
}

/** Removes the files an earlier outbox run wrote, so the folder shows this scan only. */
async function clearOwnFiles(dir: string): Promise<void> {
  for (const [folder, pattern] of OWN_FILES) {
    const entries = await readdir(join(dir, folder), { withFileTypes: true }).catch(() => []);
    for (const entry of entries) {
      if (entry.isFile() && pattern.test(entry.name)) await rm(join(dir, folder, entry.name));
    }
  }
}

/** Renders `transitions` for every channel kind into `dir` (created if needed). Sends nothing. */
export async function writeOutbox(options: OutboxOptions): Promise<OutboxSummary> {
  const dir = resolve(options.dir);
  const ctx = renderContextFor(options.tenant, options.notifiers ?? {});
  const mailChannel = options.notifiers?.email[0];
  const from = (mailChannel && senderOf(mailChannel)) ?? DEFAULT_FROM;
  const domain = messageIdDomain({ messageIdDomain: mailChannel?.messageIdDomain, from });
  const to = mailChannel?.to ?? DEFAULT_TO;
  const subjectPrefix = mailChannel?.subjectPrefix ?? '[pimwatch]';

  await clearOwnFiles(dir);
  for (const [folder] of OWN_FILES) await mkdir(join(dir, folder), { recursive: true });
  const files: string[] = [];
  const write = async (path: string, content: string | Buffer) => {
    await writeFile(join(dir, path), content);
    files.push(relative(dir, join(dir, path)));
  };

  const ordered = [...options.transitions];
  const sent = ordered.map((t, i) => ({ t, stem: fileStem(t, i) })).filter(({ t }) => !t.suppressed);
  for (const { t, stem } of sent) {
    await write(join('teams', `${stem}.json`), `${JSON.stringify(renderTeamsCard(t, ctx), null, 2)}\n`);
  }
  const people = sent.map(({ t }) => t);
  if (people.length > 0) {
    await write(join('teams', 'digest.json'), `${JSON.stringify(renderTeamsDigest(people, ctx), null, 2)}\n`);
    const latest = new Date(Math.max(...people.map((t) => Date.parse(t.at))));
    await write(
      join('email', 'digest.eml'),
      await composeEml(renderEmail(people, ctx, { subjectPrefix }), {
        from,
        to,
        messageId: messageIdFor(deliveryKey('outbox', people), domain),
        date: latest,
      }),
    );
    for (const { t, stem } of sent) {
      await write(
        join('email', `${stem}.eml`),
        await composeEml(renderEmail([t], ctx, { subjectPrefix }), {
          from,
          to,
          messageId: messageIdFor(deliveryKey('outbox', [t]), domain),
          date: new Date(t.at),
        }),
      );
    }
  }

  const events = ordered.map((t) => renderFeedEvent(t, ctx));
  const ndjson = (items: readonly unknown[]) => items.map((item) => `${JSON.stringify(item)}\n`).join('');
  await write(join('feed', 'events.ndjson'), ndjson(events));
  await write(join('feed', 'events.ocsf.ndjson'), ndjson(events.map(toOcsfDetectionFinding)));

  return {
    dir,
    teamsCards: sent.length,
    teamsDigest: people.length > 0,
    emails: people.length > 0 ? people.length + 1 : 0,
    feedEvents: events.length,
    files,
  };
}

/** One line for a person: what was written and where. */
export function describeOutbox(summary: OutboxSummary): string {
  if (summary.feedEvents === 0)
    return `outbox: no changes in this scan; ${summary.dir} holds empty feed files`;
  const digest = summary.teamsDigest ? ' and a digest' : '';
  return (
    `outbox: ${summary.teamsCards} Teams card(s)${digest}, ${summary.emails} email(s) (.eml) and ` +
    `${summary.feedEvents} feed event(s) (NDJSON, pimwatch and OCSF) written to ${summary.dir} (nothing was sent)`
  );
}
