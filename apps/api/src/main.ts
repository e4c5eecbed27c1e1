import './telemetry';
import { loadConfig, runService, startService } from '@mu/platform';
import { AppModule } from './app.module';
import { ApiEnv } from './config';
import { serveOpenApi } from './openapi';

// mu-api: REST API.
runService('api', async () => {
  const config = loadConfig('api', ApiEnv);
  const handle = await startService(AppModule.forRoot(config), config, { configure: serveOpenApi });
  return { handle, config };
});
