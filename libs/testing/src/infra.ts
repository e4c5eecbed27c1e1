import { execFileSync } from 'node:child_process';

export type ServiceName = 'nats' | 'redis' | 'clickhouse' | 'postgres';

const ENV: Record<ServiceName, string> = {
  nats: 'NATS_URL',
  redis: 'REDIS_URL',
  clickhouse: 'CLICKHOUSE_URL',
  postgres: 'DATABASE_URL',
};

export const START_STACK_HINT =
  'start the local stack with `npm run stack up` (tools/stack.sh up), or export the URL';

let containerRuntime: boolean | undefined;
function hasContainerRuntime(): boolean {
  // MU_TESTCONTAINERS=off: never start containers, even where a runtime exists.
  if (process.env.MU_TESTCONTAINERS === 'off') return false;
  if (containerRuntime === undefined) {
    try {
      execFileSync('docker', ['info'], { stdio: 'ignore', timeout: 5_000 });
      containerRuntime = true;
    } catch {
      containerRuntime = false;
    }
  }
  return containerRuntime;
}

const started = new Map<ServiceName, Promise<string>>();

/** Start a throwaway server in a container (only where a container runtime exists). */
async function startContainer(name: ServiceName): Promise<string> {
  // Loaded lazily: most machines running Mu's tests have the local stack instead.
  const { GenericContainer, Wait } = await import('testcontainers');
  switch (name) {
    case 'nats': {
      const c = await new GenericContainer('nats:2.10').withCommand(['-js']).withExposedPorts(4222).start();
      return `nats://${c.getHost()}:${c.getMappedPort(4222)}`;
    }
    case 'redis': {
      const c = await new GenericContainer('redis:7').withExposedPorts(6379).start();
      return `redis://${c.getHost()}:${c.getMappedPort(6379)}`;
    }
    case 'postgres': {
      const c = await new GenericContainer('postgres:16')
        .withEnvironment({ POSTGRES_PASSWORD: 'postgres', POSTGRES_DB: 'mu' })
        .withExposedPorts(5432)
        .withWaitStrategy(Wait.forLogMessage(/database system is ready to accept connections/, 2))
        .start();
      return `postgres://postgres:postgres@${c.getHost()}:${c.getMappedPort(5432)}/mu`;
    }
    case 'clickhouse': {
      const c = await new GenericContainer('clickhouse/clickhouse-server:24.8')
        .withEnvironment({ CLICKHOUSE_SKIP_USER_SETUP: '1' })
        .withExposedPorts(8123)
        .withWaitStrategy(Wait.forHttp('/ping', 8123))
        .start();
      return `http://${c.getHost()}:${c.getMappedPort(8123)}`;
    }
  }
}

/**
 * The URL of each service a test needs: from the environment (or .mu/stack.env, loaded
 * by the jest preset); else a container where a container runtime exists; else an error
 * that names the command that starts the local stack.
 */
export async function requireServices<N extends ServiceName>(...names: N[]): Promise<Record<N, string>> {
  const out = {} as Record<N, string>;
  for (const name of names) {
    const fromEnv = process.env[ENV[name]];
    if (fromEnv) {
      out[name] = fromEnv;
      continue;
    }
    if (!hasContainerRuntime()) {
      throw new Error(`${ENV[name]} is not set and no container runtime was found: ${START_STACK_HINT}`);
    }
    let url = started.get(name);
    if (!url) started.set(name, (url = startContainer(name)));
    out[name] = await url;
    process.env[ENV[name]] = out[name];
  }
  return out;
}

/** A short random suffix for names that must not collide between parallel test files. */
export function uniqueId(prefix = 't'): string {
  return `${prefix}_${Date.now().toString(36)}_${Math.random().toString(36).slice(2, 8)}`;
}
