import './telemetry';
import { loadConfig, runService, startService } from '@mu/platform';
import { AppModule } from './app.module';
import { CollectorEnv } from './config';
import { configureHttp } from './http/setup';

// mu-collector: HTTP and NATS ingest edge.
runService('collector', async () => {
  const config = loadConfig('collector', CollectorEnv);
  const handle = await startService(AppModule.forRoot(config), config, {
    bodyLimitBytes: config.COLLECTOR_MAX_BODY_BYTES,
    configure: (app) => configureHttp(app, config),
  });
  return { handle, config };
});
