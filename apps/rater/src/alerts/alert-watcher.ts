import {
  alertPayload,
  evaluateAlerts,
  markFiringPublished,
  unpublishedFirings,
  type AlertFiringRow,
  type BillingDb,
  type AlertMetric,
} from '@mu/billing';
import { AlertTriggered, Subjects } from '@mu/contracts';
import type { ClickHouseClient, JetStreamPublisher, Logger } from '@mu/platform';
import { sql } from 'kysely';

/** (tenant -> subjects) whose usage a flush changed. */
export type Touched = Map<string, Set<string>>;

export interface AlertWatcherOptions {
  /** Evaluations are coalesced: at most one pass per this many ms (0 disables alerts). */
  intervalMs: number;
  /** Firings whose publish did not complete are published again after this long. */
  republishAfterMs?: number;
}

/**
 * Fires usage and spend alerts after the rater's flushes.
 *
 * Flushes only note which (tenant, subject) pairs changed; a single loop, at most once per
 * `intervalMs`, maps those subjects to the customers that have enabled alerts, evaluates them
 * with libs/billing (the same quantities and prices as current charges and invoices) and
 * announces each new firing on `billing.alert.triggered.v1`. The order and its failure costs:
 *
 *   1. record   alert_firings insert; its unique (alert, period) key makes "once per period"
 *               hold across rater replicas. A failure before it: the subjects are noted again
 *               and the next pass retries.
 *   2. publish  PubAck'ed with Nats-Msg-Id = firing id. A crash here leaves published_at null.
 *   3. mark     published_at. A crash before it: the sweep republishes, and the stream drops
 *               the repeat inside its duplicate window (a late repeat is possible beyond it;
 *               consumers dedupe on firingId).
 *
 * None of this is on the ack path: usage is acked before alerts are looked at, and a slow or
 * failing alert pass never holds back rating.
 */
export class AlertWatcher {
  private pending: Touched = new Map();
  private timer?: NodeJS.Timeout;
  private running?: Promise<void>;
  private lastSweep = 0;
  private stopped = false;
  readonly counters = { passes: 0, evaluated: 0, fired: 0, published: 0, failures: 0 };

  constructor(
    private readonly db: BillingDb,
    private readonly ch: ClickHouseClient,
    private readonly publisher: JetStreamPublisher,
    private readonly logger: Logger,
    private readonly opts: AlertWatcherOptions,
  ) {}

  get enabled(): boolean {
    return this.opts.intervalMs > 0;
  }

  /** Notes a flush's touched subjects; the next pass evaluates them. */
  notify(touched: Touched): void {
    if (!this.enabled || this.stopped) return;
    merge(this.pending, touched);
    this.schedule();
  }

  /** Runs one pass now (tests, and the shutdown flush). */
  async flush(): Promise<void> {
    await this.running;
    this.running = this.pass();
    await this.running;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.running;
  }

  private schedule(): void {
    if (this.timer || this.stopped) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void (async () => {
        await this.running;
        this.running = this.pass();
        await this.running;
        if (this.pending.size > 0) this.schedule();
      })();
    }, this.opts.intervalMs);
    this.timer.unref();
  }

  private async pass(): Promise<void> {
    const work = this.pending;
    this.pending = new Map();
    this.counters.passes += 1;
    for (const [tenantId, subjects] of work) {
      try {
        const customers = await this.customersWithAlerts(tenantId, [...subjects]);
        if (customers.length === 0) continue;
        this.counters.evaluated += customers.length;
        const fired = await evaluateAlerts({ db: this.db, ch: this.ch }, tenantId, customers);
        this.counters.fired += fired.length;
        for (const f of fired) await this.announce(f);
      } catch (err) {
        this.counters.failures += 1;
        // Noted again: the next pass retries (a Postgres or ClickHouse hiccup).
        merge(this.pending, new Map([[tenantId, subjects]]));
        this.logger.warn({ err, tenantId }, 'alert evaluation failed; will retry');
      }
    }
    await this.sweep();
  }

  /** Customers of these subjects that have at least one enabled alert. */
  private async customersWithAlerts(tenantId: string, subjects: string[]): Promise<string[]> {
    const rows = await this.db
      .selectFrom('customer_subjects as cs')
      .innerJoin('alerts as a', (j) =>
        j.onRef('a.tenant_id', '=', 'cs.tenant_id').onRef('a.customer_id', '=', 'cs.customer_id'),
      )
      .select('cs.customer_id')
      .distinct()
      .where('cs.tenant_id', '=', tenantId)
      .where('cs.subject_key', '=', sql<string>`ANY(${subjects})`)
      .where('a.enabled', '=', true)
      .execute();
    return rows.map((r) => r.customer_id);
  }

  private async announce(
    f: AlertFiringRow & { name?: string; metric?: AlertMetric; meter_id?: string | null },
  ): Promise<void> {
    try {
      let meta =
        f.name && f.metric ? { name: f.name, metric: f.metric, meter_id: f.meter_id ?? null } : undefined;
      meta ??= await this.db
        .selectFrom('alerts')
        .select(['name', 'metric', 'meter_id'])
        .where('tenant_id', '=', f.tenant_id)
        .where('id', '=', f.alert_id)
        .executeTakeFirstOrThrow();
      await this.publisher.publish(Subjects.alertTriggered, AlertTriggered, alertPayload(f, meta), {
        msgId: f.id,
      });
      await markFiringPublished({ db: this.db }, f.tenant_id, f.id);
      this.counters.published += 1;
      this.logger.info(
        { tenantId: f.tenant_id, alertId: f.alert_id, firingId: f.id, periodStart: f.period_start },
        'alert triggered',
      );
    } catch (err) {
      this.counters.failures += 1;
      this.logger.warn({ err, firingId: f.id }, 'alert publish failed; the sweep retries it');
    }
  }

  /** Publishes firings left unannounced (a failed publish, a crash between insert and mark). */
  private async sweep(): Promise<void> {
    const every = this.opts.republishAfterMs ?? 30_000;
    if (Date.now() - this.lastSweep < every) return;
    this.lastSweep = Date.now();
    try {
      const left = await unpublishedFirings({ db: this.db }, new Date(Date.now() - every));
      for (const f of left) await this.announce(f);
    } catch (err) {
      this.logger.warn({ err }, 'alert sweep failed');
    }
  }
}

function merge(into: Touched, from: Touched): void {
  for (const [tenant, subjects] of from) {
    let set = into.get(tenant);
    if (!set) into.set(tenant, (set = new Set()));
    for (const s of subjects) set.add(s);
  }
}
