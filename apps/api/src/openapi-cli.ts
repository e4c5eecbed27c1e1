// `npm run openapi`: boot the API module (against the local stack), write docs/openapi.json.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadConfig, locateFromRoot, startService } from '@mu/platform';
import { AppModule } from './app.module';
import { ApiEnv } from './config';
import { buildOpenApi } from './openapi';

async function main(): Promise<void> {
  const config = loadConfig('api', ApiEnv, { ...process.env, PORT: '0', LOG_LEVEL: 'warn' });
  const handle = await startService(AppModule.forRoot(config), config);
  try {
    const file = join(locateFromRoot('docs'), 'openapi.json');
    writeFileSync(file, `${JSON.stringify(buildOpenApi(handle.app), null, 2)}\n`);
    process.stdout.write(`wrote ${file}\n`);
  } finally {
    await handle.close();
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`openapi: ${(err as Error).stack ?? String(err)}\n`);
  process.exit(1);
});
