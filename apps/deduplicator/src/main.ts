import './telemetry';
import { loadConfig, runService, startService } from '@mu/platform';
import { AppModule } from './app.module';
import { DeduplicatorEnv } from './config';

// mu-deduplicator: Redis idempotency keys between USAGE_RAW and USAGE_UNIQUE.
runService('deduplicator', async () => {
  const config = loadConfig('deduplicator', DeduplicatorEnv);
  const handle = await startService(AppModule.forRoot(config), config);
  return { handle, config };
});
