import { Streams, Subjects, type MessageContract } from '@mu/contracts';
import {
  captureLogger,
  createTestNats,
  parsePrometheusText,
  sampleValue,
  waitFor,
  type TestNats,
} from '@mu/testing';
import { IsInt } from 'class-validator';
import { connect } from 'nats';
import {
  JetStreamPublisher,
  metricsRegistry,
  PermanentError,
  provisionConsumer,
  provisionStreams,
  PullConsumerRunner,
} from '../src';
import { privateStream } from './support';

class Job {
  @IsInt() n!: number;
}
const JobContract: MessageContract<Job> = { name: 'test.job', version: 1, schema: Job };

let t: TestNats;
beforeAll(async () => {
  t = await createTestNats();
  await provisionStreams(t.nc, [Streams.DEAD_LETTER]);
});
afterAll(async () => {
  await t.cleanup();
});

const scrape = async () => parsePrometheusText(await metricsRegistry.metrics());

it("reports a consumer's lag from the server at scrape time, running or stopped, and what it settled", async () => {
  const { stream, consumer, subject } = privateStream(t, 'lag');
  await provisionStreams(t.nc, [stream]);
  await provisionConsumer(t.nc, consumer);
  // The runner has a connection of its own, so the test can close it.
  const nc = await connect({ servers: t.url });
  const publisher = new JetStreamPublisher(t.nc);
  const runner = new PullConsumerRunner(nc, new JetStreamPublisher(nc), {
    consumer,
    contract: JobContract,
    logger: captureLogger().logger,
    idleWaitMs: 1_000,
    handle: async (batch) => {
      for (const d of batch) if (d.data.n < 0) await d.reject(new PermanentError('NEGATIVE', 'negative job'));
    },
  });
  const labels = { stream: stream.name, consumer: consumer.durable };
  const lag = async (state: string) =>
    sampleValue(await scrape(), 'mu_jetstream_consumer_lag_messages', { ...labels, state });
  const settled = async (outcome: string) =>
    sampleValue(await scrape(), 'mu_consumer_messages_total', { ...labels, outcome });

  try {
    // Not started yet: nothing is known about it.
    expect(await lag('undelivered')).toBeUndefined();
    await runner.start();
    await runner.stop();
    for (const n of [1, 2, -1]) {
      await publisher.publish(`${subject}.job`, JobContract, { n }, { msgId: `lag-${n}` });
    }
    // Stopped (as a deduplicator paused by a Redis outage): its backlog still shows.
    expect(await lag('undelivered')).toBe(3);
    expect(await lag('unacked')).toBe(0);

    await runner.start();
    await waitFor(() => runner.stats.acked === 2 && runner.stats.deadLettered === 1, { what: 'settled' });
    expect(await settled('acked')).toBe(2);
    expect(await settled('dead_lettered')).toBe(1);
    await waitFor(async () => (await lag('undelivered')) === 0 && (await lag('unacked')) === 0, {
      what: 'no lag',
    });
    await runner.stop();
  } finally {
    await nc.close();
    const jsm = await t.nc.jetstreamManager();
    await jsm.streams.purge(Streams.DEAD_LETTER.name, { filter: Subjects.deadLetter(consumer.durable) });
  }
  // Its connection closed: the consumer is no longer reported (its counters stay).
  expect(await lag('undelivered')).toBeUndefined();
  expect(await settled('acked')).toBe(2);
});
