import { UsageError, type Command } from '../command';

export const streamsProvisionCommand: Command = {
  name: 'streams provision',
  summary: 'create or update every JetStream stream and consumer Mu uses (NATS_URL)',
  usage: 'streams provision [--replicas N]',
  options: { replicas: { type: 'string', default: '1' } },
  async run(args, io) {
    const replicas = Number(args.values.replicas);
    if (!Number.isInteger(replicas) || replicas < 1 || replicas > 5)
      throw new UsageError('--replicas must be a whole number from 1 to 5');
    const { Consumers, Streams } = await import('@mu/contracts');
    const { connectNats, loadConfig, provisionConsumer, provisionStreams, ServiceEnv, WithNats } =
      await import('@mu/platform');
    class StreamsEnv extends WithNats(ServiceEnv) {}
    const config = loadConfig('mu streams provision', StreamsEnv);
    const nc = await connectNats(config, 'mu-cli');
    try {
      await provisionStreams(nc, Object.values(Streams), replicas);
      for (const c of Object.values(Consumers)) await provisionConsumer(nc, c);
      io.out(
        `streams: ${Object.keys(Streams).join(', ')}\nconsumers: ${Object.values(Consumers)
          .map((c) => `${c.stream}/${c.durable}`)
          .join(', ')}\n`,
      );
    } finally {
      await nc.drain();
    }
  },
};
