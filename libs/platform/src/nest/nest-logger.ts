import type { LoggerService } from '@nestjs/common';
import type { Logger } from '../logging/logger';

/** Routes Nest's own log calls into pino, keeping the context as a field. */
export class NestPinoLogger implements LoggerService {
  constructor(private readonly logger: Logger) {}

  log(message: unknown, context?: string): void {
    this.write('info', message, context);
  }
  error(message: unknown, stackOrContext?: string, context?: string): void {
    this.write('error', message, context ?? stackOrContext);
  }
  warn(message: unknown, context?: string): void {
    this.write('warn', message, context);
  }
  debug(message: unknown, context?: string): void {
    this.write('debug', message, context);
  }
  verbose(message: unknown, context?: string): void {
    this.write('trace', message, context);
  }
  fatal(message: unknown, context?: string): void {
    this.write('fatal', message, context);
  }

  private write(
    level: 'info' | 'error' | 'warn' | 'debug' | 'trace' | 'fatal',
    message: unknown,
    context?: string,
  ): void {
    if (message instanceof Error) this.logger[level]({ err: message, context }, message.message);
    else if (typeof message === 'string') this.logger[level]({ context }, message);
    else this.logger[level]({ context, detail: message }, 'nest');
  }
}
