import { connect, type NatsConnection } from 'nats';
import { CatalogChanged, decodeMessage, Subjects } from '@mu/contracts';
import { customerBody, startApi, type Api } from './support';

let api: Api;
beforeAll(async () => {
  api = await startApi();
});
afterAll(async () => {
  await api.close();
});

describe('customers', () => {
  it('create, get, list, update, archive', async () => {
    const { call } = await api.tenant();
    const created = await call(
      'POST',
      '/v1/customers',
      customerBody('acme', {
        subjectKeys: ['acme', 'acme-eu'],
        metadata: { crm: '42' },
        taxIds: [{ type: 'eu_vat', value: 'DE123456789' }],
      }),
    );
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({
      externalKey: 'acme',
      currency: 'EUR',
      timeZone: 'Europe/Berlin',
      subjectKeys: ['acme', 'acme-eu'],
      metadata: { crm: '42' },
      taxIds: [{ type: 'eu_vat', value: 'DE123456789' }],
      billingAddress: { country: 'DE', postalCode: '10115', city: 'Berlin' },
      taxExempt: false,
      archivedAt: null,
    });
    const id = created.body.id as string;
    expect(id).toMatch(/^cus_/);
    expect((await call('GET', `/v1/customers/${id}`)).body).toEqual(created.body);

    const updated = await call('PATCH', `/v1/customers/${id}`, {
      name: 'Acme GmbH',
      subjectKeys: ['acme'],
      taxExempt: true,
      exemptionId: 'EX-1',
    });
    expect(updated.status).toBe(200);
    expect(updated.body).toMatchObject({
      name: 'Acme GmbH',
      subjectKeys: ['acme'],
      taxExempt: true,
      exemptionId: 'EX-1',
      externalKey: 'acme',
    });

    const bySubject = await call('GET', '/v1/customers?subjectKey=acme');
    expect(bySubject.body.data.map((c: { id: string }) => c.id)).toEqual([id]);

    const archived = await call('DELETE', `/v1/customers/${id}`);
    expect(archived.status).toBe(200);
    expect(archived.body.archivedAt).not.toBeNull();
  });

  it('lists every invalid field with its path', async () => {
    const { call } = await api.tenant();
    const r = await call('POST', '/v1/customers', {
      externalKey: 'has space',
      email: 'not-an-email',
      currency: 'EURO',
      timeZone: 'Mars/Olympus',
      billingAddress: { country: 'XX' },
      metadata: { k: 1 },
      unknownField: true,
    });
    expect(r.status).toBe(400);
    expect(r.body.error.code).toBe('VALIDATION_FAILED');
    const paths = (r.body.error.details as { path: string }[]).map((d) => d.path).sort();
    expect(paths).toEqual(
      expect.arrayContaining([
        'billingAddress.country',
        'currency',
        'email',
        'externalKey',
        'metadata',
        'timeZone',
        'unknownField',
      ]),
    );
  });

  it('refuses malformed JSON with a clear error', async () => {
    const { call } = await api.tenant();
    const r = await call('POST', '/v1/customers', '{"externalKey": ');
    expect(r.status).toBe(400);
    expect(r.body.error.code).toBe('BAD_REQUEST');
  });

  it('keeps external keys and subject keys unique per tenant, not across tenants', async () => {
    const a = await api.tenant('a');
    const b = await api.tenant('b');
    expect((await a.call('POST', '/v1/customers', customerBody('one', { subjectKeys: ['s1'] }))).status).toBe(
      201,
    );
    const dupKey = await a.call('POST', '/v1/customers', customerBody('one'));
    expect(dupKey.status).toBe(409);
    expect(dupKey.body.error.code).toBe('CUSTOMER_EXISTS');
    const dupSubject = await a.call('POST', '/v1/customers', customerBody('two', { subjectKeys: ['s1'] }));
    expect(dupSubject.status).toBe(409);
    expect(dupSubject.body.error.code).toBe('SUBJECT_KEY_TAKEN');
    expect((await b.call('POST', '/v1/customers', customerBody('one', { subjectKeys: ['s1'] }))).status).toBe(
      201,
    );
  });

  it("never shows one tenant's customers to another", async () => {
    const a = await api.tenant('a');
    const b = await api.tenant('b');
    const c = await a.call('POST', '/v1/customers', customerBody('secret-customer'));
    for (const [method, body] of [['GET'], ['PATCH', { name: 'x' }], ['DELETE']] as const) {
      const r = await b.call(method, `/v1/customers/${c.body.id}`, body);
      expect(r.status).toBe(404);
      expect(r.body.error.code).toBe('NOT_FOUND');
    }
    expect((await b.call('GET', '/v1/customers')).body.data).toEqual([]);
    expect((await b.call('GET', '/v1/customers?externalKey=secret-customer')).body.data).toEqual([]);
    expect((await a.call('GET', `/v1/customers/${c.body.id}`)).body.name).toBe('Ada Lovelace Ltd');
  });

  it('pages with a cursor, in creation order', async () => {
    const { call } = await api.tenant();
    const ids: string[] = [];
    for (let i = 0; i < 5; i++)
      ids.push((await call('POST', '/v1/customers', customerBody(`c${i}`))).body.id);
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const page: { body: { data: { id: string }[]; nextCursor: string | null } } = await call(
        'GET',
        `/v1/customers?limit=2${cursor ? `&cursor=${cursor}` : ''}`,
      );
      expect(page.body.data.length).toBeLessThanOrEqual(2);
      seen.push(...page.body.data.map((c) => c.id));
      cursor = page.body.nextCursor;
    } while (cursor);
    expect(seen).toEqual(ids);
    const bad = await call('GET', '/v1/customers?limit=0&cursor=nope');
    expect(bad.status).toBe(400);
    expect(bad.body.error.details.map((d: { path: string }) => d.path).sort()).toEqual(['cursor', 'limit']);
  });

  it('replays a POST with the same Idempotency-Key and refuses the key with another body', async () => {
    const { call } = await api.tenant();
    const headers = { 'idempotency-key': 'create-acme-1' };
    const first = await call('POST', '/v1/customers', customerBody('idem'), headers);
    const again = await call('POST', '/v1/customers', customerBody('idem'), headers);
    expect(first.status).toBe(201);
    expect(again.status).toBe(201);
    expect(again.body).toEqual(first.body);
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    const other = await call('POST', '/v1/customers', customerBody('idem-2'), headers);
    expect(other.status).toBe(409);
    expect(other.body.error.code).toBe('IDEMPOTENCY_KEY_REUSED');
    // A failed request is replayed as the same failure, not run again.
    const bad1 = await call('POST', '/v1/customers', { externalKey: 'x' }, { 'idempotency-key': 'bad-1' });
    const bad2 = await call('POST', '/v1/customers', { externalKey: 'x' }, { 'idempotency-key': 'bad-1' });
    expect(bad1.status).toBe(400);
    expect(bad2.status).toBe(400);
    expect(bad2.body).toEqual(bad1.body);
    const { rows } = await api.db.pool.query<{ n: number }>(
      "SELECT count(*)::int AS n FROM customers WHERE external_key = 'idem'",
    );
    expect(rows[0]?.n).toBe(1);
  });

  it('announces changes on catalog.changed.v1', async () => {
    const nc: NatsConnection = await connect({ servers: process.env.NATS_URL! });
    try {
      const { call, tenantId } = await api.tenant();
      const sub = nc.subscribe(Subjects.catalogChanged, { timeout: 5_000 });
      await nc.flush();
      const created = await call('POST', '/v1/customers', customerBody('announced'));
      for await (const m of sub) {
        const msg = decodeMessage(CatalogChanged, m.data);
        if (msg.tenantId !== tenantId) continue;
        expect(msg).toMatchObject({ kind: 'customer', id: created.body.id, action: 'created' });
        break;
      }
    } finally {
      await nc.close();
    }
  });
});
