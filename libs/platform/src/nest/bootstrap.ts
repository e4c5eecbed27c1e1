import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import type { DynamicModule } from '@nestjs/common';
import type { ServiceEnv } from '../config/env';
import { ConfigError } from '../config/config';
import type { HealthRegistry } from '../health/health';
import type { Logger } from '../logging/logger';
import { installLeanAsyncResourceBind } from '../runtime/async-resource-bind';
import { shutdownTelemetry } from '../telemetry/telemetry';
import { instrumentHttp } from './http-telemetry';
import { NestPinoLogger } from './nest-logger';
import { HEALTH, LOGGER } from './tokens';

export interface ServiceHandle {
  app: NestFastifyApplication;
  /** The port actually bound (useful with PORT=0). */
  port: number;
  /** Drain and stop: readiness goes 503, consumers finish, connections close. */
  close(): Promise<void>;
}

/** Create the Nest app on Fastify, listen, and report where. */
export async function startService(
  module: DynamicModule,
  config: Readonly<ServiceEnv>,
  opts: { bodyLimitBytes?: number; configure?: (app: NestFastifyApplication) => void | Promise<void> } = {},
): Promise<ServiceHandle> {
  // Before the first request: Fastify binds one function per request body (see the module).
  installLeanAsyncResourceBind();
  const adapter = new FastifyAdapter({ bodyLimit: opts.bodyLimitBytes ?? 2 * 1024 * 1024 });
  const app = await NestFactory.create<NestFastifyApplication>(module, adapter, {
    bufferLogs: true,
    abortOnError: false,
  });
  const logger = app.get<Logger>(LOGGER);
  app.useLogger(new NestPinoLogger(logger));
  instrumentHttp(app);
  await opts.configure?.(app);
  await app.listen({ port: config.PORT, host: config.HOST });
  const address = app.getHttpServer().address();
  const port = typeof address === 'object' && address ? address.port : config.PORT;
  const health = app.get<HealthRegistry>(HEALTH);
  let closing: Promise<void> | undefined;
  return {
    app,
    port,
    close: () =>
      (closing ??= (async () => {
        health.markDraining();
        await app.close();
      })()),
  };
}

/**
 * An app's entry point: build config (failing with every bad variable at once), start,
 * and drain on SIGTERM/SIGINT within SHUTDOWN_TIMEOUT_SECONDS.
 */
export function runService(
  service: string,
  start: () => Promise<{ handle: ServiceHandle; config: Readonly<ServiceEnv> }>,
): void {
  start()
    .then(({ handle, config }) => {
      const logger = handle.app.get<Logger>(LOGGER);
      logger.info({ port: handle.port }, `${service} ready`);
      const stop = (signal: string) => {
        logger.info({ signal }, `${service} draining`);
        const timer = setTimeout(() => {
          logger.error({ timeoutSeconds: config.SHUTDOWN_TIMEOUT_SECONDS }, 'drain timed out; exiting');
          process.exit(1);
        }, config.SHUTDOWN_TIMEOUT_SECONDS * 1000);
        timer.unref();
        handle
          .close()
          .then(() => shutdownTelemetry())
          .then(() => {
            logger.info(`${service} stopped`);
            logger.flush();
            process.exit(0);
          })
          .catch((err: unknown) => {
            logger.error({ err }, 'shutdown failed');
            process.exit(1);
          });
      };
      process.once('SIGTERM', () => stop('SIGTERM'));
      process.once('SIGINT', () => stop('SIGINT'));
    })
    .catch((err: unknown) => {
      // Before the logger exists the only safe sink is stderr; config errors carry no values.
      process.stderr.write(
        `${service} failed to start: ${err instanceof ConfigError ? err.message : ((err as Error)?.stack ?? String(err))}\n`,
      );
      process.exit(1);
    });
}
