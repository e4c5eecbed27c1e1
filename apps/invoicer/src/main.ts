import './telemetry';
import { loadConfig, runService, startService } from '@mu/platform';
import { AppModule } from './app.module';
import { InvoicerEnv } from './config';

// mu-invoicer: billing periods into invoices.
runService('invoicer', async () => {
  const config = loadConfig('invoicer', InvoicerEnv);
  const handle = await startService(AppModule.forRoot(config), config);
  return { handle, config };
});
