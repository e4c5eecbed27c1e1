import { createTestNats, type TestNats } from '@mu/testing';
import { provisionConsumer, provisionStreams } from '../src';
import { privateStream } from './support';

let t: TestNats;
beforeAll(async () => {
  t = await createTestNats();
});
afterAll(async () => {
  await t.cleanup();
});

it('provisions streams and consumers idempotently, from racing callers, and applies changed settings', async () => {
  const { stream, consumer } = privateStream(t, 'prov');
  await Promise.all([1, 2, 3, 4].map(() => provisionStreams(t.nc, [stream])));
  await Promise.all([1, 2, 3].map(() => provisionConsumer(t.nc, consumer)));
  const jsm = await t.nc.jetstreamManager();
  let info = await jsm.streams.info(stream.name);
  expect(info.config.subjects).toEqual(stream.subjects);
  expect(info.config.duplicate_window).toBe(stream.duplicateWindowMs * 1_000_000);

  await provisionStreams(t.nc, [{ ...stream, maxAgeMs: 120_000 }]);
  info = await jsm.streams.info(stream.name);
  expect(info.config.max_age).toBe(120_000 * 1_000_000);

  await provisionConsumer(t.nc, { ...consumer, ackWaitMs: 9_000 });
  const ci = await jsm.consumers.info(consumer.stream, consumer.durable);
  expect(ci.config.ack_wait).toBe(9_000 * 1_000_000);
  expect(ci.config.max_deliver).toBe(-1);
});
