import { connect, type NatsConnection } from 'nats';
import { requireServices, uniqueId } from './infra';

export interface TestNats {
  url: string;
  nc: NatsConnection;
  /** A unique stream name and subject prefix for this test file. */
  name: string;
  subjectPrefix: string;
  /** Delete every stream this test created (by name prefix) and close. */
  cleanup(): Promise<void>;
}

export async function createTestNats(): Promise<TestNats> {
  const { nats } = await requireServices('nats');
  const nc = await connect({ servers: nats, name: 'mu-test' });
  const id = uniqueId('T').toUpperCase();
  return {
    url: nats,
    nc,
    name: id,
    subjectPrefix: id.toLowerCase(),
    async cleanup() {
      const jsm = await nc.jetstreamManager();
      for await (const s of jsm.streams.list()) {
        if (s.config.name.startsWith(id)) await jsm.streams.delete(s.config.name);
      }
      await nc.drain();
    },
  };
}
