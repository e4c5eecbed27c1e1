import { Subjects } from '@mu/contracts';
import { sampleValue, scrapeMetrics, waitFor, type MetricSample } from '@mu/testing';
import type { Msg } from 'nats';
import { NatsIngestSubscriber } from '../../apps/collector/src/nats/ingest.subscriber';
import { event, Pipeline } from './support';

let p: Pipeline;

beforeAll(async () => {
  p = await Pipeline.start();
}, 120_000);
afterAll(async () => {
  await p?.close();
});

describe('Prometheus metrics (real services)', () => {
  it('are served at /metrics on the port of every service', async () => {
    for (const service of ['collector', 'deduplicator', 'rater'] as const) {
      const samples = await scrapeMetrics(p.base(service));
      expect(sampleValue(samples, 'process_resident_memory_bytes')).toBeGreaterThan(0);
      expect(sampleValue(samples, 'mu_dedup_redis_failures_total')).toBe(0);
    }
  });

  it('count accepted, rejected, duplicate and conflicting events, flushes and consumer progress as events flow', async () => {
    const before = await scrapeMetrics(p.base('collector'));
    const a = event('m-a', { tokens: 1 });
    const b = event('m-b', { tokens: 2 });
    const future = { ...event('m-future'), time: new Date(Date.now() + 86_400_000).toISOString() };

    const first = await p.post('/v1/events', [a, b, future]);
    expect(first.body).toMatchObject({ accepted: 2, rejected: 1 });
    // the same `a` again (a duplicate) and `b` with another payload (a conflict)
    const second = await p.post('/v1/events', [a, { ...b, data: { tokens: 3 } }]);
    expect(second.body).toMatchObject({ accepted: 2, rejected: 0 });
    const anonymous = await p.post('/v1/events', [event('m-c')], { authorization: '' });
    expect(anonymous.status).toBe(401);

    const { dedup, rater, rejections } = p.durables;
    const acked = (stream: string, consumer: string) =>
      ['mu_consumer_messages_total', { stream, consumer, outcome: 'acked' }] as const;
    // Every message of this test settled: 2 raw batches, 1 unique batch (the second request had
    // nothing new), 2 rejections (the future event and the conflict).
    let after: MetricSample[] = [];
    await waitFor(
      async () => {
        after = await scrapeMetrics(p.base('rater'));
        return (
          sampleValue(after, ...acked(dedup.stream, dedup.durable)) === 2 &&
          sampleValue(after, ...acked(rater.stream, rater.durable)) === 1 &&
          sampleValue(after, ...acked(rejections.stream, rejections.durable)) === 2
        );
      },
      { what: 'every message acked', timeoutMs: 20_000 },
    );
    const delta = (name: string, labels: Record<string, string> = {}) =>
      (sampleValue(after, name, labels) ?? 0) - (sampleValue(before, name, labels) ?? 0);

    // collector
    expect(delta('mu_ingest_events_accepted_total', { transport: 'http', route: '/v1/events' })).toBe(4);
    expect(delta('mu_ingest_events_rejected_total', { stage: 'collector', reason: 'TIME_IN_FUTURE' })).toBe(
      1,
    );
    expect(delta('mu_ingest_requests_refused_total', { transport: 'http', reason: 'UNAUTHORIZED' })).toBe(1);
    expect(delta('mu_http_requests_total', { method: 'POST', route: '/v1/events', status: '202' })).toBe(2);
    expect(delta('mu_http_requests_total', { method: 'POST', route: '/v1/events', status: '401' })).toBe(1);
    expect(delta('mu_http_request_duration_seconds_count', { method: 'POST', route: '/v1/events' })).toBe(3);
    // deduplicator
    expect(delta('mu_dedup_events_total', { outcome: 'unique' })).toBe(2);
    expect(delta('mu_dedup_events_total', { outcome: 'duplicate' })).toBe(1);
    expect(delta('mu_dedup_events_total', { outcome: 'conflict' })).toBe(1);
    expect(
      delta('mu_ingest_events_rejected_total', { stage: 'deduplicator', reason: 'DUPLICATE_CONFLICT' }),
    ).toBe(1);
    // rater: one flush of the one unique batch, holding a and b
    expect(delta('mu_rater_flush_events_count')).toBe(1);
    expect(delta('mu_rater_flush_events_sum')).toBe(2);
    expect(delta('mu_rater_flush_events_bucket', { le: '1' })).toBe(0);
    expect(delta('mu_rater_flush_events_bucket', { le: '10' })).toBe(1);
    expect(delta('mu_rater_flush_seconds_count')).toBe(1);
    expect(await p.count('events')).toBe(2);

    // consumer lag, sampled from the server at scrape time: every durable caught up
    await waitFor(
      async () => {
        const now = await scrapeMetrics(p.base('deduplicator'));
        return [dedup, rater, rejections].every(
          (d) =>
            sampleValue(now, 'mu_jetstream_consumer_lag_messages', {
              stream: d.stream,
              consumer: d.durable,
              state: 'undelivered',
            }) === 0 &&
            sampleValue(now, 'mu_jetstream_consumer_lag_messages', {
              stream: d.stream,
              consumer: d.durable,
              state: 'unacked',
            }) === 0,
        );
      },
      { what: 'zero lag on the three durables' },
    );
  });

  it('count NATS ingest under its own transport', async () => {
    // Straight to this collector's subscriber: on a shared NATS server a request to
    // usage.ingest.v1.<tenant> may be answered by another test's collector (one queue group).
    const subscriber = p.services.collector.app.get(NatsIngestSubscriber);
    const request = (body: string) =>
      subscriber.handle({
        subject: Subjects.usageIngest(p.tenantId),
        data: Buffer.from(body),
      } as unknown as Msg);
    const before = await scrapeMetrics(p.base('collector'));
    await request(JSON.stringify([event('m-nats-1'), event('m-nats-2')]));
    await request('{not json');
    const after = await scrapeMetrics(p.base('collector'));
    const delta = (name: string, labels: Record<string, string>) =>
      (sampleValue(after, name, labels) ?? 0) - (sampleValue(before, name, labels) ?? 0);
    expect(
      delta('mu_ingest_events_accepted_total', { transport: 'nats', route: Subjects.usageIngestAll }),
    ).toBe(2);
    expect(delta('mu_ingest_requests_refused_total', { transport: 'nats', reason: 'INVALID_JSON' })).toBe(1);
  });
});
