import { createHash, randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';

/**
 * Console sessions in Redis, so every `serve` replica sees the same sign-ins.
 *
 *   {p}:console:session:{sha256(id)}   STRING  Session JSON; expires at the idle timeout, moved on by use
 *   {p}:console:login:{state}          STRING  PendingLogin JSON; expires after ten minutes, read once
 *
 * The cookie holds only the random session id; Redis keys hold its digest, so a copy of Redis does not
 * hand out live cookies.
 */
export interface ConsoleUser {
  /** The user's object id (`oid`). */
  id: string;
  name: string;
  username: string;
}

export interface Session {
  user: ConsoleUser;
  /** The synchroniser token every state-changing form must echo. */
  csrfToken: string;
  createdAt: number;
  lastSeenAt: number;
}

/** What the sign-in needs back when Entra returns the browser: the PKCE verifier, nonce and the page. */
export interface PendingLogin {
  codeVerifier: string;
  nonce: string;
  returnTo: string;
}

export interface SessionTimeouts {
  idleMs: number;
  absoluteMs: number;
}

const LOGIN_TTL_SECONDS = 600;

export function randomToken(): string {
  return randomBytes(32).toString('base64url');
}

export class SessionStore {
  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
    private readonly timeouts: SessionTimeouts,
    private readonly now: () => number = Date.now,
  ) {}

  private sessionKey(id: string): string {
    return `${this.prefix}:console:session:${createHash('sha256').update(id).digest('hex')}`;
  }

  /** Starts a session; returns the id to put in the cookie. */
  async create(user: ConsoleUser): Promise<string> {
    const id = randomToken();
    const now = this.now();
    const session: Session = { user, csrfToken: randomToken(), createdAt: now, lastSeenAt: now };
    await this.redis.set(this.sessionKey(id), JSON.stringify(session), 'PX', this.timeouts.idleMs);
    return id;
  }

  /** The live session for a cookie, its idle clock moved on; null when absent, idle or too old. */
  async touch(id: string | undefined): Promise<Session | null> {
    if (!id) return null;
    const key = this.sessionKey(id);
    const text = await this.redis.get(key);
    if (!text) return null;
    const session = JSON.parse(text) as Session;
    const now = this.now();
    if (
      now - session.createdAt >= this.timeouts.absoluteMs ||
      now - session.lastSeenAt >= this.timeouts.idleMs
    ) {
      await this.redis.del(key);
      return null;
    }
    session.lastSeenAt = now;
    const ttl = Math.min(this.timeouts.idleMs, session.createdAt + this.timeouts.absoluteMs - now);
    await this.redis.set(key, JSON.stringify(session), 'PX', Math.max(1, ttl));
    return session;
  }

  async destroy(id: string | undefined): Promise<void> {
    if (id) await this.redis.del(this.sessionKey(id));
  }

  async savePendingLogin(state: string, pending: PendingLogin): Promise<void> {
    await this.redis.set(
      `${this.prefix}:console:login:${state}`,
      JSON.stringify(pending),
      'EX',
      LOGIN_TTL_SECONDS,
    );
  }

  /** The pending login for `state`, removed so a callback cannot be replayed. */
  async takePendingLogin(state: string): Promise<PendingLogin | null> {
    const key = `${this.prefix}:console:login:${state}`;
    const text = await this.redis.getdel(key);
    return text ? (JSON.parse(text) as PendingLogin) : null;
  }
}
