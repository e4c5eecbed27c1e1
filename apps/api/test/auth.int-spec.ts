import { anonymous, startApi, type Api } from './support';

let api: Api;
beforeAll(async () => {
  api = await startApi();
});
afterAll(async () => {
  await api.close();
});

describe('API keys', () => {
  it('refuses requests without a key, with a malformed or unknown key', async () => {
    const anon = anonymous(api);
    const attempts: Record<string, string>[] = [
      {},
      { authorization: 'Basic abc' },
      { authorization: 'Bearer mu_sk_not-a-real-key' },
    ];
    for (const headers of attempts) {
      const r = await anon('GET', '/v1/customers', undefined, headers);
      expect(r.status).toBe(401);
      expect(r.body.error.code).toBe('UNAUTHORIZED');
    }
  });

  it('creates a key whose secret is shown once, lists keys without secrets, and revokes', async () => {
    const t = await api.tenant();
    const created = await t.call('POST', '/v1/api-keys', { name: 'ci' });
    expect(created.status).toBe(201);
    expect(created.body.secret).toMatch(/^mu_sk_/);
    expect(created.body.secret.startsWith(created.body.prefix)).toBe(true);

    const list = await t.call('GET', '/v1/api-keys');
    expect(list.body.data).toHaveLength(2);
    expect(JSON.stringify(list.body)).not.toContain(created.body.secret);
    const stored = await api.db.pool.query<{ secret_hash: string }>('SELECT secret_hash FROM api_keys');
    for (const r of stored.rows) expect(r.secret_hash).not.toContain(created.body.secret.slice(6));

    const second = anonymous(api);
    const auth = { authorization: `Bearer ${created.body.secret}` };
    expect((await second('GET', '/v1/customers', undefined, auth)).status).toBe(200);
    const revoked = await t.call('DELETE', `/v1/api-keys/${created.body.id}`);
    expect(revoked.status).toBe(200);
    expect(revoked.body.revokedAt).not.toBeNull();
    expect((await second('GET', '/v1/customers', undefined, auth)).status).toBe(401);
  });

  it("hides another tenant's key (404, not 403)", async () => {
    const a = await api.tenant('a');
    const b = await api.tenant('b');
    const key = await a.call('POST', '/v1/api-keys', {});
    const r = await b.call('DELETE', `/v1/api-keys/${key.body.id}`);
    expect(r.status).toBe(404);
    expect(r.body.error.code).toBe('NOT_FOUND');
    expect((await a.call('GET', '/v1/api-keys')).body.data).toHaveLength(2);
  });

  it('serves health and the OpenAPI document without a key', async () => {
    const anon = anonymous(api);
    expect((await anon('GET', '/health/live')).status).toBe(200);
    const doc = await anon('GET', '/docs/json');
    expect(doc.status).toBe(200);
    expect(doc.body.paths['/v1/customers']).toBeDefined();
  });
});
