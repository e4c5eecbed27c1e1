import { HealthRegistry } from './health';

describe('HealthRegistry', () => {
  it('is ready when every dependency answers', async () => {
    const h = new HealthRegistry();
    h.register({ name: 'a', check: async () => undefined });
    const r = await h.readiness();
    expect(r.status).toBe('ready');
    expect(r.checks.a!.status).toBe('up');
  });

  it('reports a failing or silent dependency and is not ready', async () => {
    const h = new HealthRegistry(50);
    h.register({ name: 'ok', check: async () => undefined });
    h.register({ name: 'broken', check: async () => Promise.reject(new Error('refused')) });
    h.register({ name: 'silent', check: () => new Promise(() => undefined) });
    const r = await h.readiness();
    expect(r.status).toBe('not_ready');
    expect(r.checks.broken).toMatchObject({ status: 'down', error: 'refused' });
    expect(r.checks.silent).toMatchObject({ status: 'down', error: 'no answer within 50 ms' });
  });

  it('is not ready while draining', async () => {
    const h = new HealthRegistry();
    h.markDraining();
    expect(await h.readiness()).toMatchObject({ status: 'not_ready', draining: true });
  });
});
