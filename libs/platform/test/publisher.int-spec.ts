import { createTestNats, type TestNats } from '@mu/testing';
import { connect, StorageType } from 'nats';
import { JetStreamPublisher, PublishError, provisionStreams } from '../src';
import { privateStream } from './support';

let t: TestNats;
let stream: string;
let subject: string;
beforeAll(async () => {
  t = await createTestNats();
  const s = privateStream(t, 'pub');
  stream = s.stream.name;
  subject = s.subject;
  await provisionStreams(t.nc, [s.stream]);
});
afterAll(async () => {
  await t.cleanup();
});

const bytes = (text: string) => Buffer.from(text, 'utf8');

it('resolves with the PubAck once the stream stored the message, headers and id included', async () => {
  const publisher = new JetStreamPublisher(t.nc);
  const ack = await publisher.publishRaw(`${subject}.one`, bytes('{"n":1}'), {
    msgId: 'one-1',
    headers: { 'Mu-Contract': 'Test.v1' },
  });
  expect(ack).toEqual({ stream, seq: expect.any(Number), duplicate: false });
  const jsm = await t.nc.jetstreamManager();
  const stored = await jsm.streams.getMessage(stream, { seq: ack.seq });
  expect(stored.subject).toBe(`${subject}.one`);
  expect(stored.header.get('Nats-Msg-Id')).toBe('one-1');
  expect(stored.header.get('Mu-Contract')).toBe('Test.v1');
  expect(stored.json()).toEqual({ n: 1 });
  expect(publisher.inFlight).toBe(0);
});

it('says duplicate, with the first sequence, for a repeated Nats-Msg-Id', async () => {
  const publisher = new JetStreamPublisher(t.nc);
  const first = await publisher.publishRaw(`${subject}.dup`, bytes('{}'), { msgId: 'dup-1' });
  const again = await publisher.publishRaw(`${subject}.dup`, bytes('{}'), { msgId: 'dup-1' });
  expect(first.duplicate).toBe(false);
  expect(again).toEqual({ stream, seq: first.seq, duplicate: true });
});

it('matches every PubAck to its own publish when hundreds are in flight', async () => {
  const publisher = new JetStreamPublisher(t.nc);
  const acks = await Promise.all(
    Array.from({ length: 300 }, (_, i) =>
      publisher.publishRaw(`${subject}.many`, bytes(`{"i":${i}}`), { msgId: `many-${i}` }),
    ),
  );
  expect(new Set(acks.map((a) => a.seq)).size).toBe(300);
  const jsm = await t.nc.jetstreamManager();
  for (const i of [0, 1, 150, 299]) {
    const stored = await jsm.streams.getMessage(stream, { seq: acks[i]!.seq });
    expect(stored.header.get('Nats-Msg-Id')).toBe(`many-${i}`);
  }
});

it('fails at once with NO_STREAM when no stream takes the subject', async () => {
  const publisher = new JetStreamPublisher(t.nc);
  const started = Date.now();
  const err = await publisher
    .publishRaw(`${t.subjectPrefix}.nowhere.x`, bytes('{}'), { msgId: 'x', timeoutMs: 4_000 })
    .catch((e: unknown) => e);
  expect(err).toBeInstanceOf(PublishError);
  expect((err as PublishError).code).toBe('NO_STREAM');
  expect(Date.now() - started).toBeLessThan(2_000);
});

it('fails with PUBLISH_TIMEOUT when something answers nothing, and forgets the publish', async () => {
  const silent = `${t.subjectPrefix}.silent`;
  const sub = t.nc.subscribe(silent, { callback: () => undefined }); // receives, never replies
  await t.nc.flush();
  const publisher = new JetStreamPublisher(t.nc);
  const err = await publisher
    .publishRaw(silent, bytes('{}'), { msgId: 's', timeoutMs: 300 })
    .catch((e: unknown) => e);
  sub.unsubscribe();
  expect((err as PublishError).code).toBe('PUBLISH_TIMEOUT');
  expect(publisher.inFlight).toBe(0);
});

it("fails with PUBLISH_REJECTED and JetStream's reason when the stream refuses the message", async () => {
  const jsm = await t.nc.jetstreamManager();
  const name = `${t.name}_SMALL`;
  const small = `${t.subjectPrefix}.small`;
  await jsm.streams.add({ name, subjects: [small], storage: StorageType.Memory, max_msg_size: 16 });
  const publisher = new JetStreamPublisher(t.nc);
  const err = await publisher
    .publishRaw(small, bytes(JSON.stringify({ text: 'more than sixteen bytes' })), { msgId: 'big' })
    .catch((e: unknown) => e);
  expect((err as PublishError).code).toBe('PUBLISH_REJECTED');
  expect((err as PublishError).message).toMatch(/maximum/i);
});

it('fails what is in flight and what comes after with CONNECTION_CLOSED when the connection closes', async () => {
  const nc = await connect({ servers: t.url });
  const publisher = new JetStreamPublisher(nc);
  await publisher.publishRaw(`${subject}.closing`, bytes('{}'), { msgId: 'c-1' });
  // one in flight when the connection closes: something receives it and never answers
  const silent = `${t.subjectPrefix}.unanswered`;
  const sub = t.nc.subscribe(silent, { callback: () => undefined });
  await t.nc.flush();
  const inFlight = publisher
    .publishRaw(silent, bytes('{}'), { msgId: 'c-0', timeoutMs: 30_000 })
    .catch((e: unknown) => e);
  await nc.flush();
  expect(publisher.inFlight).toBe(1);
  await nc.close();
  expect(((await inFlight) as PublishError).code).toBe('CONNECTION_CLOSED');
  sub.unsubscribe();
  const err = await publisher
    .publishRaw(`${subject}.closing`, bytes('{}'), { msgId: 'c-2' })
    .catch((e: unknown) => e);
  expect((err as PublishError).code).toBe('CONNECTION_CLOSED');
  expect(publisher.inFlight).toBe(0);
});
