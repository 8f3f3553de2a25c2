import pino, { type Logger } from 'pino';

export type { Logger };

/** Field paths whose values never reach a log line, whatever logs them. */
const redact = [
  'password',
  '*.password',
  '*.*.password',
  'token',
  '*.token',
  'apiToken',
  '*.apiToken',
  'privateKey',
  '*.privateKey',
  'hmacKey',
  '*.hmacKey',
  'apiKey',
  '*.apiKey',
  'keySecret',
  '*.keySecret',
  'req.headers.authorization',
  'headers.authorization',
];

/** JSON logs for machines; readable lines when a person watches the terminal. */
export function createLogger(level: string, pretty = process.stdout.isTTY): Logger {
  return pino({
    level,
    redact: { paths: redact, censor: '********' },
    ...(pretty
      ? { transport: { target: 'pino-pretty', options: { colorize: true, translateTime: 'SYS:HH:MM:ss' } } }
      : {}),
  });
}
