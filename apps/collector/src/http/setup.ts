import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { CollectorEnv } from '../config';
import { registerEventsRoute } from './events.route';

/**
 * Every body is read as text, up to COLLECTOR_MAX_BODY_BYTES, whatever its content type:
 * the handler decides 415 after authentication and parses the JSON itself, so an unauthenticated
 * request never costs a parse and every error has the collector's shape.
 */
export function configureHttp(app: NestFastifyApplication, config: Readonly<CollectorEnv>): void {
  const fastify = app.getHttpAdapter().getInstance();
  // useBodyParser tells Nest not to add its own JSON parser at init; its parser (which always
  // reads a Buffer) is then replaced by one that reads the body as a string. JSON.parse takes
  // a string anyway, and an off-heap Buffer per request (about as large as the body) drove
  // most of the collector's full garbage collections under load.
  app.useBodyParser('*', { bodyLimit: config.COLLECTOR_MAX_BODY_BYTES });
  fastify.removeAllContentTypeParsers();
  fastify.addContentTypeParser(
    '*',
    { parseAs: 'string', bodyLimit: config.COLLECTOR_MAX_BODY_BYTES },
    (_req, body, done) => done(null, body),
  );
  registerEventsRoute(app, config);
}
