import { DeadLetter, decodeMessage, Streams, Subjects, type MessageContract } from '@mu/contracts';
import { captureLogger, createTestNats, waitFor, type TestNats } from '@mu/testing';
import { IsInt, IsString } from 'class-validator';
import { AckPolicy, DeliverPolicy, type JsMsg } from 'nats';
import {
  JetStreamPublisher,
  PermanentError,
  provisionConsumer,
  provisionStreams,
  PullConsumerRunner,
  type Delivery,
} from '../src';
import { privateStream } from './support';

class Job {
  @IsString() id!: string;
  @IsInt() n!: number;
}
const JobContract: MessageContract<Job> = { name: 'test.job', version: 1, schema: Job };

let t: TestNats;
let publisher: JetStreamPublisher;

beforeAll(async () => {
  t = await createTestNats();
  publisher = new JetStreamPublisher(t.nc);
  await provisionStreams(t.nc, [Streams.DEAD_LETTER]);
});
afterAll(async () => {
  await t.cleanup();
});

async function setup(
  suffix: string,
  handle: (batch: Delivery<Job>[]) => Promise<void>,
  opts: { maxDeliver?: number; batchSize?: number; lingerMs?: number; concurrency?: number } = {},
) {
  const { stream, consumer, subject } = privateStream(t, suffix, { maxDeliver: opts.maxDeliver ?? 3 });
  await provisionStreams(t.nc, [stream]);
  await provisionConsumer(t.nc, consumer);
  const { logger, lines } = captureLogger();
  const runner = new PullConsumerRunner(t.nc, publisher, {
    consumer,
    contract: JobContract,
    handle,
    logger,
    batchSize: opts.batchSize ?? 10,
    lingerMs: opts.lingerMs ?? 0,
    concurrency: opts.concurrency,
    idleWaitMs: 1_000,
    backoffMs: [100, 200],
  });
  return { stream, consumer, subject, runner, lines };
}

/** Dead letters for one consumer, decoded. */
async function deadLetters(durable: string) {
  const jsm = await t.nc.jetstreamManager();
  const js = t.nc.jetstream();
  const name = `dl_${durable}`.slice(0, 60);
  await jsm.consumers.add(Streams.DEAD_LETTER.name, {
    durable_name: name,
    ack_policy: AckPolicy.Explicit,
    deliver_policy: DeliverPolicy.All,
    filter_subject: Subjects.deadLetter(durable),
  });
  const c = await js.consumers.get(Streams.DEAD_LETTER.name, name);
  const out = [];
  const info = await c.info();
  if (info.num_pending > 0) {
    const iter = await c.fetch({ max_messages: info.num_pending, expires: 1_000 });
    for await (const m of iter as AsyncIterable<JsMsg>) {
      out.push(decodeMessage(DeadLetter, m.data));
      m.ack();
    }
  }
  await jsm.consumers.delete(Streams.DEAD_LETTER.name, name);
  return out;
}

describe('PullConsumerRunner (real JetStream)', () => {
  it('hands validated messages to the handler in batches and acks them', async () => {
    const seen: Job[] = [];
    const { subject, consumer, runner } = await setup('ok', async (batch) => {
      seen.push(...batch.map((d) => d.data));
    });
    for (let i = 0; i < 25; i++)
      await publisher.publish(`${subject}.x`, JobContract, { id: `j${i}`, n: i }, { msgId: `ok-${i}` });
    await runner.start();
    await waitFor(() => seen.length === 25, { what: '25 messages' });
    await runner.stop();
    expect(seen.map((j) => j.n)).toEqual([...Array(25).keys()]);
    expect(runner.stats.acked).toBe(25);
    expect(runner.stats.batches).toBeLessThan(25);
    const info = await (await t.nc.jetstreamManager()).consumers.info(consumer.stream, consumer.durable);
    expect(info.num_ack_pending).toBe(0);
    expect(info.num_pending).toBe(0);
  });

  it('drops a repeated Nats-Msg-Id at the server (publish is idempotent)', async () => {
    const { subject, stream } = await setup('dup', async () => undefined);
    const a = await publisher.publish(`${subject}.x`, JobContract, { id: 'same', n: 1 }, { msgId: 'dup-1' });
    const b = await publisher.publish(`${subject}.x`, JobContract, { id: 'same', n: 1 }, { msgId: 'dup-1' });
    expect(a.duplicate).toBe(false);
    expect(b).toMatchObject({ duplicate: true, seq: a.seq });
    const info = await (await t.nc.jetstreamManager()).streams.info(stream.name);
    expect(info.state.messages).toBe(1);
  });

  it('refuses to publish a payload that breaks its contract', async () => {
    const { subject } = await setup('badout', async () => undefined);
    await expect(
      publisher.publish(`${subject}.x`, JobContract, { id: 'x', n: 'nope' } as unknown as Job, {
        msgId: 'bad-out',
      }),
    ).rejects.toThrow(/n: n must be an integer number/);
  });

  it('naks a transient failure with backoff and succeeds on redelivery', async () => {
    const attempts: number[] = [];
    const { subject, runner } = await setup('retry', async (batch) => {
      for (const d of batch) attempts.push(d.deliveryCount);
      if (attempts.length < 2) throw new Error('database briefly away');
    });
    await publisher.publish(`${subject}.x`, JobContract, { id: 'r', n: 1 }, { msgId: 'retry-1' });
    await runner.start();
    await waitFor(() => runner.stats.acked === 1, { what: 'ack after retry' });
    await runner.stop();
    expect(attempts).toEqual([1, 2]);
    expect(runner.stats.retried).toBe(1);
  });

  it('dead-letters and terminates a message that keeps failing, after maxDeliver tries', async () => {
    let calls = 0;
    const { subject, consumer, runner } = await setup(
      'exhaust',
      async () => {
        calls += 1;
        throw new Error('always down');
      },
      { maxDeliver: 3 },
    );
    await publisher.publish(`${subject}.x`, JobContract, { id: 'e', n: 1 }, { msgId: 'exhaust-1' });
    await runner.start();
    await waitFor(() => runner.stats.deadLettered === 1, { what: 'dead letter' });
    await runner.stop();
    expect(calls).toBe(3);
    const dls = await deadLetters(consumer.durable);
    expect(dls).toHaveLength(1);
    expect(dls[0]).toMatchObject({
      code: 'MAX_DELIVERIES_EXCEEDED',
      deliveries: 3,
      consumer: consumer.durable,
    });
    expect(dls[0]!.reason).toContain('always down');
    expect(JSON.parse(Buffer.from(dls[0]!.payload, 'base64').toString())).toEqual({ id: 'e', n: 1 });
  });

  it('dead-letters an undecodable payload without calling the handler, and a permanent error at once', async () => {
    const handled: string[] = [];
    const { subject, consumer, runner } = await setup('perm', async (batch) => {
      for (const d of batch) {
        if (d.data.id === 'poison')
          await d.reject(new PermanentError('UNKNOWN_METER', 'meter m1 does not exist'));
        else handled.push(d.data.id);
      }
    });
    const js = t.nc.jetstream();
    await js.publish(`${subject}.x`, Buffer.from('{"id": 7}'), { msgID: 'perm-bad' });
    await publisher.publish(`${subject}.x`, JobContract, { id: 'poison', n: 1 }, { msgId: 'perm-poison' });
    await publisher.publish(`${subject}.x`, JobContract, { id: 'fine', n: 2 }, { msgId: 'perm-fine' });
    await runner.start();
    await waitFor(() => runner.stats.deadLettered === 2 && runner.stats.acked === 1, {
      what: 'two dead letters, one ack',
    });
    await runner.stop();
    expect(handled).toEqual(['fine']);
    const dls = await deadLetters(consumer.durable);
    expect(dls.map((d) => d.code).sort()).toEqual(['CONTRACT_VIOLATION', 'UNKNOWN_METER']);
    expect(dls.find((d) => d.code === 'CONTRACT_VIOLATION')!.reason).toMatch(/id: id must be a string/);
    // Terminated, not left to time out: nothing stays pending at the server.
    const jsm = await t.nc.jetstreamManager();
    await waitFor(
      async () => (await jsm.consumers.info(consumer.stream, consumer.durable)).num_ack_pending === 0,
      { what: 'no pending acks' },
    );
  });

  it('drains on stop: the batch in hand finishes and is acked, the rest is handed back at once', async () => {
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    let started = 0;
    const { subject, consumer, runner } = await setup(
      'drain',
      async (batch) => {
        started += batch.length;
        await gate;
      },
      { batchSize: 5 },
    );
    for (let i = 0; i < 5; i++)
      await publisher.publish(`${subject}.x`, JobContract, { id: `d${i}`, n: i }, { msgId: `drain-${i}` });
    await runner.start();
    await waitFor(() => started > 0, { what: 'a batch in hand' });
    const inHand = started;
    const stopping = runner.stop();
    for (let i = 5; i < 8; i++)
      await publisher.publish(`${subject}.x`, JobContract, { id: `d${i}`, n: i }, { msgId: `drain-${i}` });
    release();
    await stopping;
    expect(runner.stats.acked).toBe(inHand);

    // What was prefetched but not started was nak'ed without delay: a successor gets every
    // other message long before the consumer's ackWait would have released it.
    const rest: number[] = [];
    const t0 = Date.now();
    const successor = new PullConsumerRunner(t.nc, publisher, {
      consumer,
      contract: JobContract,
      handle: async (batch) => void rest.push(...batch.map((d) => d.data.n)),
      logger: captureLogger().logger,
      idleWaitMs: 1_000,
    });
    await successor.start();
    await waitFor(() => rest.length >= 8 - inHand, { what: 'the handed-back messages', timeoutMs: 10_000 });
    await successor.stop();
    expect(Date.now() - t0).toBeLessThan(consumer.ackWaitMs);
    expect(rest.sort((a, b) => a - b)).toEqual([...Array(8).keys()].slice(inHand));
    const info = await (await t.nc.jetstreamManager()).consumers.info(consumer.stream, consumer.durable);
    expect(info.num_ack_pending).toBe(0);
    expect(info.num_pending).toBe(0);
  });

  it('runs concurrent batches and loses nothing under a steady stream', async () => {
    const seen = new Map<number, number>();
    const { subject, consumer, runner } = await setup(
      'steady',
      async (batch) => {
        await new Promise((r) => setTimeout(r, 5));
        for (const d of batch) seen.set(d.data.n, (seen.get(d.data.n) ?? 0) + 1);
      },
      { batchSize: 20, concurrency: 3 },
    );
    await runner.start();
    const total = 600;
    const t0 = Date.now();
    for (let i = 0; i < total; i += 50) {
      await Promise.all(
        Array.from({ length: 50 }, (_, k) =>
          publisher.publish(
            `${subject}.x`,
            JobContract,
            { id: `s${i + k}`, n: i + k },
            { msgId: `steady-${i + k}` },
          ),
        ),
      );
    }
    await waitFor(() => seen.size === total, { what: `${total} messages`, timeoutMs: 15_000 });
    await runner.stop();
    // Well under ackWait: no message sat with nobody to ack it.
    expect(Date.now() - t0).toBeLessThan(consumer.ackWaitMs);
    expect([...seen.values()].every((c) => c === 1)).toBe(true);
  });

  it('waits up to lingerMs to fill a batch', async () => {
    const sizes: number[] = [];
    const { subject, runner } = await setup('linger', async (batch) => void sizes.push(batch.length), {
      batchSize: 20,
      lingerMs: 1_000,
    });
    await runner.start();
    await publisher.publish(`${subject}.x`, JobContract, { id: 'l0', n: 0 }, { msgId: 'linger-0' });
    await new Promise((r) => setTimeout(r, 200));
    for (let i = 1; i < 10; i++)
      await publisher.publish(`${subject}.x`, JobContract, { id: `l${i}`, n: i }, { msgId: `linger-${i}` });
    await waitFor(() => sizes.reduce((a, b) => a + b, 0) === 10, { what: '10 messages' });
    await runner.stop();
    expect(sizes).toEqual([10]);
  });
});
