import { type DestinationStream, type Logger, type LoggerOptions, pino } from 'pino';

/**
 * Paths pino replaces with `[Redacted]`. Secrets are never put in log objects on purpose; this list is
 * the second line of defence for objects that carry them by accident (request options, errors, config).
 *
 * Not `url` itself: that would hide every request URL in Fastify's logs (`req.url`). A URL that is a
 * secret is named `webhookUrl` wherever it is resolved (Teams, signed webhooks), and the one config
 * path holding a webhook's URL reference is listed on its own.
 */
export const REDACT_PATHS = [
  'clientSecret',
  '*.clientSecret',
  'certificatePassword',
  '*.certificatePassword',
  'authorization',
  '*.authorization',
  'headers.authorization',
  '*.headers.authorization',
  'token',
  '*.token',
  'accessToken',
  '*.accessToken',
  'webhookUrl',
  '*.webhookUrl',
  'webhooks[*].url',
  '*.webhooks[*].url',
  'secret',
  '*.secret',
  'apiKey',
  '*.apiKey',
  'apiKeys',
  '*.apiKeys',
  'password',
  '*.password',
];

/** pino's levels, quietest last; `log.level`, `--log-level` and `PIMWATCH_LOG_LEVEL` take these. */
export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

let levelOverride: LogLevel | undefined;

/**
 * The command line's `--log-level` (or `--quiet`): beats `PIMWATCH_LOG_LEVEL`, which beats the
 * configuration's `log.level` and each command's own default. `undefined` clears it.
 */
export function overrideLogLevel(level: LogLevel | undefined): void {
  levelOverride = level;
}

export function createLogger(
  options: {
    level?: LoggerOptions['level'];
    name?: string;
    /** 1 = stdout (services), 2 = stderr (CLI output stays clean) */
    fd?: 1 | 2;
    /** Where lines go instead of `fd`, e.g. a test's own stream. */
    destination?: DestinationStream;
  } = {},
): Logger {
  return pino(
    {
      name: options.name ?? 'pimwatch',
      level: levelOverride ?? envLogLevel() ?? options.level ?? 'info',
      redact: { paths: REDACT_PATHS, censor: '[Redacted]' },
      base: { pid: process.pid },
    },
    options.destination ?? pino.destination({ fd: options.fd ?? 1, sync: false }),
  );
}

/** `PIMWATCH_LOG_LEVEL` when it names a level (the command line refuses any other value before this runs). */
function envLogLevel(): LogLevel | undefined {
  const value = process.env.PIMWATCH_LOG_LEVEL?.trim().toLowerCase();
  return (LOG_LEVELS as readonly string[]).includes(value ?? '') ? (value as LogLevel) : undefined;
}

/** A logger that drops everything: the default inside library code and tests. */
export const silentLogger: Logger = pino({ level: 'silent' });

export type { Logger };
