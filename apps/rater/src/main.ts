import './telemetry';
import { loadConfig, runService, startService } from '@mu/platform';
import { AppModule } from './app.module';
import { RaterEnv } from './config';

// mu-rater: meters and the ClickHouse usage store.
runService('rater', async () => {
  const config = loadConfig('rater', RaterEnv);
  const handle = await startService(AppModule.forRoot(config), config);
  return { handle, config };
});
