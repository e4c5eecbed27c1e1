import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { CollectorEnv } from '../config';

/**
 * Every body is read as raw bytes, up to COLLECTOR_MAX_BODY_BYTES, whatever its content type:
 * the handler decides 415 after authentication and parses the JSON itself, so an unauthenticated
 * request never costs a parse and every error has the collector's shape.
 */
export function configureHttp(app: NestFastifyApplication, config: Readonly<CollectorEnv>): void {
  const fastify = app.getHttpAdapter().getInstance();
  fastify.removeAllContentTypeParsers();
  // useBodyParser also tells Nest not to add its own JSON parser at init.
  app.useBodyParser('*', { bodyLimit: config.COLLECTOR_MAX_BODY_BYTES });
}
