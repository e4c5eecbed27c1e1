// Measure Redis memory per deduplicator key. Run against a SCRATCH redis-server: it flushes it.
//   redis-server --port 6399 --save '' --appendonly no &
//   npm run build && REDIS_URL=redis://127.0.0.1:6399 node apps/deduplicator/scripts/measure-redis-memory.js 100000
const Redis = require('ioredis');
const { dedupKey, payloadHash, encodeClaim } = require('../../../dist/apps/deduplicator/src/dedup/keys.js');
(async () => {
  const redis = new Redis(process.env.REDIS_URL);
  await redis.flushall();
  const used = async () => Number(/used_memory:(\d+)/.exec(await redis.info('memory'))[1]);
  const before = await used();
  const N = Number(process.argv[2] ?? 100_000),
    window = 24 * 3600 * 1000;
  for (let i = 0; i < N; i += 1000) {
    const p = redis.pipeline();
    for (let j = i; j < i + 1000; j++) {
      const e = {
        type: 'api.call',
        subject: `cus_${j % 500}`,
        time: '2025-01-01T00:00:00.000Z',
        data: { tokens: j },
      };
      p.set(
        dedupKey('tenant_0123456789', 'https://api.example.com/service', `evt_${j}_0123456789abcdef`),
        encodeClaim(123_456_789 + Math.floor(j / 100), payloadHash(e)),
        'PX',
        window,
        'NX',
        'GET',
      );
    }
    await p.exec();
  }
  const after = await used();
  const sample = dedupKey('tenant_0123456789', 'https://api.example.com/service', 'evt_42_0123456789abcdef');
  console.log({
    keys: await redis.dbsize(),
    before,
    after,
    deltaBytes: after - before,
    perKey: (after - before) / N,
    sampleKey: sample,
    sampleValue: await redis.get(sample),
    memoryUsage: await redis.memory('USAGE', sample),
    encoding: await redis.object('ENCODING', sample),
    keyLen: sample.length,
    valueLen: (await redis.get(sample)).length,
  });
  redis.disconnect();
})();
