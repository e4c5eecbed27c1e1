import './telemetry';
import { loadConfig, runService, startService } from '@mu/platform';
import { AppModule } from './app.module';
import { TaxEnv } from './config';

// mu-tax: tax quotes and currency conversion.
runService('tax', async () => {
  const config = loadConfig('tax', TaxEnv);
  const handle = await startService(AppModule.forRoot(config), config);
  return { handle, config };
});
