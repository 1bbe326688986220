import { type LoggerService } from '@nestjs/common';
import { pino, type Logger } from 'pino';
import { scrubUrls } from '../../domain/repository-url.js';

/**
 * The hub's structured JSON logger. Authorization headers and anything that looks like a
 * credential are redacted at the source, so no code path can log them by accident.
 */
export function createLogger(level: string, destination?: NodeJS.WritableStream): Logger {
  return pino(
    {
      level,
      base: { service: 'flotilla-hub' },
      redact: {
        paths: [
          'req.headers.authorization',
          'req.headers.cookie',
          'req.headers["x-hub-signature-256"]',
          'req.headers["x-gitlab-token"]',
          '*.password',
          '*.token',
          '*.credentials',
          '*.secret',
        ],
        censor: '[redacted]',
      },
      formatters: { level: (label) => ({ level: label }) },
      timestamp: pino.stdTimeFunctions.isoTime,
    },
    destination as pino.DestinationStream | undefined,
  );
}

/** Adapts pino to Nest's logger interface. */
export class PinoNestLogger implements LoggerService {
  constructor(private readonly logger: Logger) {}

  log(message: unknown, context?: string): void {
    // A `{ msg, ...fields }` object is a structured line: its fields become JSON fields.
    if (isStructured(message)) {
      const { msg, ...fields } = message;
      this.logger.info({ context, ...fields }, msg);
    } else this.logger.info({ context }, text(message));
  }
  error(message: unknown, trace?: string, context?: string): void {
    this.logger.error({ context, trace }, text(message));
  }
  warn(message: unknown, context?: string): void {
    this.logger.warn({ context }, text(message));
  }
  debug(message: unknown, context?: string): void {
    this.logger.debug({ context }, text(message));
  }
  verbose(message: unknown, context?: string): void {
    this.logger.trace({ context }, text(message));
  }
}

function isStructured(m: unknown): m is { msg: string } & Record<string, unknown> {
  return typeof m === 'object' && m !== null && typeof (m as { msg?: unknown }).msg === 'string';
}

function text(m: unknown): string {
  return scrubUrls(typeof m === 'string' ? m : JSON.stringify(m));
}
