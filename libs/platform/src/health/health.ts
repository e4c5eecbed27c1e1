export interface HealthCheck {
  /** Dependency name as reported: nats, redis, clickhouse, postgres, ... */
  name: string;
  /** Resolves when the dependency answers; throws (or times out) when it does not. */
  check(): Promise<void>;
}

export interface DependencyStatus {
  status: 'up' | 'down';
  latencyMs: number;
  error?: string;
}

export interface ReadinessReport {
  status: 'ready' | 'not_ready';
  draining: boolean;
  checks: Record<string, DependencyStatus>;
}

/** Collects the checks of every dependency a service uses; readiness is all of them, and not draining. */
export class HealthRegistry {
  private readonly checks: HealthCheck[] = [];
  private draining = false;

  constructor(private readonly timeoutMs = 2_000) {}

  register(check: HealthCheck): void {
    this.checks.push(check);
  }

  /** A draining service stays alive but leaves load balancing. */
  markDraining(): void {
    this.draining = true;
  }

  async readiness(): Promise<ReadinessReport> {
    const results = await Promise.all(this.checks.map(async (c) => [c.name, await this.run(c)] as const));
    const checks = Object.fromEntries(results);
    const allUp = results.every(([, r]) => r.status === 'up');
    return { status: allUp && !this.draining ? 'ready' : 'not_ready', draining: this.draining, checks };
  }

  private async run(c: HealthCheck): Promise<DependencyStatus> {
    const start = performance.now();
    let timer: NodeJS.Timeout | undefined;
    try {
      await Promise.race([
        c.check(),
        new Promise((_, reject) => {
          timer = setTimeout(
            () => reject(new Error(`no answer within ${this.timeoutMs} ms`)),
            this.timeoutMs,
          );
        }),
      ]);
      return { status: 'up', latencyMs: Math.round(performance.now() - start) };
    } catch (err) {
      return {
        status: 'down',
        latencyMs: Math.round(performance.now() - start),
        error: (err as Error).message,
      };
    } finally {
      clearTimeout(timer);
    }
  }
}
