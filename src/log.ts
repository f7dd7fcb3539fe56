import { type Logger, type LoggerOptions, pino } from 'pino';

/**
 * Paths pino replaces with `[Redacted]`. Secrets are never put in log objects on purpose; this list is
 * the second line of defence for objects that carry them by accident (request options, errors, config).
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
  'url',
  '*.url',
  'secret',
  '*.secret',
  'apiKey',
  '*.apiKey',
  'apiKeys',
  '*.apiKeys',
  'password',
  '*.password',
];

export function createLogger(
  options: {
    level?: LoggerOptions['level'];
    name?: string /** 1 = stdout (services), 2 = stderr (CLI output stays clean) */;
    fd?: 1 | 2;
  } = {},
): Logger {
  return pino(
    {
      name: options.name ?? 'pimwatch',
      level: process.env.PIMWATCH_LOG_LEVEL ?? options.level ?? 'info',
      redact: { paths: REDACT_PATHS, censor: '[Redacted]' },
      base: { pid: process.pid },
    },
    pino.destination({ fd: options.fd ?? 1, sync: false }),
  );
}

/** A logger that drops everything: the default inside library code and tests. */
export const silentLogger: Logger = pino({ level: 'silent' });

export type { Logger };
