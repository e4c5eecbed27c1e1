import { installInMemoryTracing, waitFor } from '@mu/testing';
import { SpanKind, SpanStatusCode } from '@opentelemetry/api';
import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { event, Pipeline } from './support';

let tracing: ReturnType<typeof installInMemoryTracing>;
let p: Pipeline;

beforeAll(async () => {
  tracing = installInMemoryTracing();
  p = await Pipeline.start();
}, 120_000);
afterAll(async () => {
  await p?.close();
  await tracing.uninstall();
});
beforeEach(() => tracing.exporter.reset());

const finished = () => tracing.exporter.getFinishedSpans();
const inTrace = (traceId: string) => finished().filter((s) => s.spanContext().traceId === traceId);
const parentOf = (s: ReadableSpan) => s.parentSpanContext?.spanId;
const named = (spans: ReadableSpan[], name: string) => spans.filter((s) => s.name === name);

/** The collector's server span of the one request the test sent (spans are reset per test). */
function serverSpan(): Promise<ReadableSpan> {
  return waitFor(() => named(finished(), 'POST /v1/events')[0], { what: 'the collector span' });
}

/** Waits until the rater's INSERT into `events` of this trace has ended. */
function insertOf(traceId: string): Promise<ReadableSpan> {
  return waitFor(() => named(inTrace(traceId), 'INSERT events')[0], {
    what: `the ClickHouse insert in trace ${traceId}`,
    timeoutMs: 20_000,
  });
}

describe('tracing across the event path (in-memory exporter)', () => {
  it('one trace spans the HTTP request at the collector, the deduplicator, the rater and the ClickHouse insert', async () => {
    const r = await p.post('/v1/events', [event('trace-1')]);
    expect(r.status).toBe(202);
    const http = await serverSpan();
    const traceId = http.spanContext().traceId;
    const insert = await insertOf(traceId);
    const spans = inTrace(traceId);

    // collector: the root of the trace, the request's route and status
    expect(http.kind).toBe(SpanKind.SERVER);
    expect(parentOf(http)).toBeUndefined();
    expect(http.attributes).toMatchObject({
      'http.request.method': 'POST',
      'http.route': '/v1/events',
      'http.response.status_code': 202,
    });

    // deduplicator: its batch span and the span of this message are children of the request
    const dedupBatch = named(spans, `consume ${p.durables.dedup.durable}`);
    const dedupMessage = named(spans, 'deduplicate raw batch');
    expect(dedupBatch).toHaveLength(1);
    expect(dedupBatch[0]!.kind).toBe(SpanKind.CONSUMER);
    expect(parentOf(dedupBatch[0]!)).toBe(http.spanContext().spanId);
    expect(dedupMessage).toHaveLength(1);
    expect(parentOf(dedupMessage[0]!)).toBe(http.spanContext().spanId);

    // rater: the batch that took the deduplicator's USAGE_UNIQUE message, in the same trace
    // (its parent is the deduplicator's message span, or the same message's span in another
    // deduplicator on this NATS server that published it first: either way the same trace)
    const raterBatch = named(spans, `consume ${p.durables.rater.durable}`);
    expect(raterBatch).toHaveLength(1);
    expect(raterBatch[0]!.kind).toBe(SpanKind.CONSUMER);

    // ClickHouse: the insert is its own client span, a child of the rater's batch
    expect(insert.kind).toBe(SpanKind.CLIENT);
    expect(parentOf(insert)).toBe(raterBatch[0]!.spanContext().spanId);
    expect(insert.attributes).toMatchObject({
      'db.system.name': 'clickhouse',
      'db.operation.name': 'INSERT',
      'db.collection.name': 'events',
      'db.operation.batch.size': 1,
    });
    expect(spans.filter((s) => s.status.code === SpanStatusCode.ERROR)).toEqual([]);
    expect(await p.count('events')).toBeGreaterThanOrEqual(1);
  });

  it("continues the caller's trace when the request carries a W3C traceparent", async () => {
    const traceId = '4bf92f3577b34da6a3ce929d0e0e4736';
    const callerSpanId = '00f067aa0ba902b7';
    const r = await p.post('/v1/events', [event('trace-2')], {
      traceparent: `00-${traceId}-${callerSpanId}-01`,
    });
    expect(r.status).toBe(202);
    const insert = await insertOf(traceId);
    const [http] = named(inTrace(traceId), 'POST /v1/events');
    expect(parentOf(http!)).toBe(callerSpanId);
    expect(insert.spanContext().traceId).toBe(traceId);
  });

  it('keeps every request of a shared batch in its own trace: a span per message at the deduplicator, a parent or a link at the rater', async () => {
    const replies = await Promise.all(
      ['batch-a', 'batch-b', 'batch-c'].map((id) => p.post('/v1/events', [event(id)])),
    );
    expect(replies.map((r) => r.status)).toEqual([202, 202, 202]);
    const requests = await waitFor(
      () => {
        const s = named(finished(), 'POST /v1/events');
        return s.length === 3 ? s : undefined;
      },
      { what: 'three collector spans' },
    );
    const traceIds = requests.map((s) => s.spanContext().traceId);
    expect(new Set(traceIds).size).toBe(3);
    const raterBatches = () => named(finished(), `consume ${p.durables.rater.durable}`);
    const reaches = (b: ReadableSpan, traceId: string) =>
      b.spanContext().traceId === traceId || b.links.some((l) => l.context.traceId === traceId);
    await waitFor(() => traceIds.every((t) => raterBatches().some((b) => reaches(b, t))), {
      what: 'a rater batch for every request',
      timeoutMs: 20_000,
    });

    for (const http of requests) {
      const traceId = http.spanContext().traceId;
      const dedupMessage = named(inTrace(traceId), 'deduplicate raw batch');
      expect(dedupMessage).toHaveLength(1);
      expect(parentOf(dedupMessage[0]!)).toBe(http.spanContext().spanId);
    }
    // Each batch's inserts are its children, so a request linked from a batch reaches them too.
    const batches = raterBatches();
    await waitFor(
      () =>
        batches.every((b) =>
          named(finished(), 'INSERT events').some((i) => parentOf(i) === b.spanContext().spanId),
        ),
      { what: 'the insert of every rater batch' },
    );
    expect(batches.reduce((n, b) => n + Number(b.attributes['messaging.batch.message_count']), 0)).toBe(3);
  });
});
