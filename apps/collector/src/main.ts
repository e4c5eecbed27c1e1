import './telemetry';
import { loadConfig, runService, startService } from '@mu/platform';
import { AppModule } from './app.module';
import { CollectorEnv } from './config';

// mu-collector: HTTP and NATS ingest edge.
runService('collector', async () => {
  const config = loadConfig('collector', CollectorEnv);
  const handle = await startService(AppModule.forRoot(config), config);
  return { handle, config };
});
