import { createTenantWithKey, locateFromRoot, runPostgresMigrations } from '@mu/platform';
import { createTestDatabase, startServiceProcess, type TestDatabase } from '@mu/testing';

let db: TestDatabase;
beforeAll(async () => {
  db = await createTestDatabase();
  await runPostgresMigrations(db.pool, locateFromRoot('db/postgres'));
});
afterAll(async () => {
  await db.drop();
});

describe('collector process (dist/)', () => {
  it('accepts events through its real entry point and refuses oversize bodies with its own limit', async () => {
    const t = await createTenantWithKey(db.pool, 'process');
    const p = await startServiceProcess('collector', {
      DATABASE_URL: db.url,
      COLLECTOR_MAX_BODY_BYTES: '4096',
    });
    try {
      const post = (body: string, type = 'application/json') =>
        fetch(`http://127.0.0.1:${p.port}/v1/events`, {
          method: 'POST',
          headers: { authorization: `Bearer ${t.secret}`, 'content-type': type },
          body,
        });
      const ok = await post(JSON.stringify({ id: 'p1', type: 'api.call', subject: 'c1', data: { n: 1 } }));
      expect(ok.status).toBe(202);
      expect(await ok.json()).toMatchObject({ accepted: 1, rejected: 0 });
      const big = await post(
        JSON.stringify({ id: 'p2', type: 'api.call', subject: 'c1', data: { s: 'x'.repeat(5000) } }),
      );
      expect(big.status).toBe(413);
      expect(await big.json()).toMatchObject({ error: { code: 'BODY_TOO_LARGE' } });
      const text = await post('hello', 'text/plain');
      expect(text.status).toBe(415);
    } finally {
      p.child.kill('SIGTERM');
      await p.exited;
    }
  });
});
