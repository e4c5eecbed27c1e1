import { readFileSync } from 'node:fs';
import { locateFromRoot } from '@mu/platform';
import { buildOpenApi } from '../src/openapi';
import { startApi, type Api } from './support';

let api: Api;
beforeAll(async () => {
  api = await startApi();
});
afterAll(async () => {
  await api.close();
});

it('docs/openapi.json is what the code generates (run `npm run openapi` after changing the API)', () => {
  const committed = JSON.parse(readFileSync(`${locateFromRoot('docs')}/openapi.json`, 'utf8')) as unknown;
  const generated = JSON.parse(JSON.stringify(buildOpenApi(api.handle.app))) as unknown;
  expect(generated).toEqual(committed);
});

it('documents every resource, the bearer key and the error shape', () => {
  const doc = buildOpenApi(api.handle.app);
  for (const path of [
    '/v1/api-keys',
    '/v1/customers',
    '/v1/customers/{id}',
    '/v1/meters',
    '/v1/plans',
    '/v1/plans/{plan}/versions',
    '/v1/subscriptions',
    '/v1/subscriptions/{id}/periods',
  ]) {
    expect(doc.paths[path]).toBeDefined();
  }
  expect(doc.components?.securitySchemes?.bearer).toMatchObject({ type: 'http', scheme: 'bearer' });
});
