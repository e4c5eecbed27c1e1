import type { MessageContract } from '@mu/contracts';
import { captureLogger, createTestNats, installInMemoryTracing, waitFor, type TestNats } from '@mu/testing';
import { IsString } from 'class-validator';
import { SpanKind } from '@opentelemetry/api';
import {
  JetStreamPublisher,
  provisionConsumer,
  provisionStreams,
  PullConsumerRunner,
  withSpan,
} from '../src';
import { privateStream } from './support';

class Ping {
  @IsString() id!: string;
}
const PingContract: MessageContract<Ping> = { name: 'test.ping', version: 1, schema: Ping };

let t: TestNats;
let tracing: ReturnType<typeof installInMemoryTracing>;

beforeAll(async () => {
  tracing = installInMemoryTracing();
  t = await createTestNats();
});
afterAll(async () => {
  await t.cleanup();
  await tracing.uninstall();
});

it('carries W3C trace context across a JetStream hop, so one trace spans producer and consumer', async () => {
  const { stream, consumer, subject } = privateStream(t, 'trace');
  await provisionStreams(t.nc, [stream]);
  await provisionConsumer(t.nc, consumer);
  const publisher = new JetStreamPublisher(t.nc);
  let headers: Record<string, string> = {};
  const runner = new PullConsumerRunner(t.nc, publisher, {
    consumer,
    contract: PingContract,
    logger: captureLogger().logger,
    handle: async (batch) => {
      headers = { ...batch[0]!.headers };
      await withSpan('clickhouse insert', { kind: SpanKind.CLIENT }, async () => undefined);
    },
  });

  const producerTraceId = await withSpan('http POST /v1/events', { kind: SpanKind.SERVER }, async (span) => {
    await publisher.publish(`${subject}.x`, PingContract, { id: 'p1' }, { msgId: 'trace-1' });
    return span.spanContext().traceId;
  });
  await runner.start();
  await waitFor(() => runner.stats.acked === 1, { what: 'consumed' });
  await runner.stop();

  expect(headers.traceparent).toMatch(new RegExp(`^00-${producerTraceId}-[0-9a-f]{16}-01$`));
  const spans = tracing.exporter.getFinishedSpans();
  const producer = spans.find((s) => s.name === 'http POST /v1/events')!;
  const consume = spans.find((s) => s.name === `consume ${consumer.durable}`)!;
  const insert = spans.find((s) => s.name === 'clickhouse insert')!;
  expect(consume.spanContext().traceId).toBe(producerTraceId);
  expect(consume.parentSpanContext?.spanId).toBe(producer.spanContext().spanId);
  expect(insert.spanContext().traceId).toBe(producerTraceId);
  expect(insert.parentSpanContext?.spanId).toBe(consume.spanContext().spanId);
});
