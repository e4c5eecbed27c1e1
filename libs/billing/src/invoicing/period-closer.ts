import { Metrics, type Logger } from '@mu/platform';
import { sql } from 'kysely';
import { periodsOfSubscription, type BillingDb } from '../catalog';
import { closePeriod, invoiceContext, type CloseAction } from './close';
import type { InvoicingDeps } from './compute';
import { issueInterimInvoiceIfDue } from './progressive';

export interface PeriodCloserOptions {
  /** Drafts in their grace period are recomputed at most this often (late usage). */
  draftRefreshMs: number;
  /** Periods closed at once (each is a few ClickHouse queries, a tax quote and a transaction). */
  concurrency: number;
}

export interface TickResult {
  created: number;
  refreshed: number;
  finalized: number;
  unchanged: number;
  failed: number;
}

/**
 * One pass of period close over every tenant:
 *
 *   1. periods that ended with no invoice get one (a draft, or finalized at once when the
 *      grace period is already over);
 *   2. drafts whose grace period ended are recomputed and finalized;
 *   3. other drafts are recomputed when older than `draftRefreshMs`, so late usage shows;
 *   4. subscriptions with progressive billing get an interim invoice when due.
 *
 * Every step is idempotent and safe on several replicas at once (closePeriod's transaction
 * and unique index); a period that fails (tax service down, ClickHouse unreachable) is
 * logged and retried on the next pass, never half-written.
 */
export class PeriodCloser {
  constructor(
    private readonly deps: InvoicingDeps & { db: BillingDb },
    private readonly logger: Logger,
    private readonly opts: PeriodCloserOptions,
  ) {}

  async tick(now = new Date()): Promise<TickResult> {
    const result: TickResult = { created: 0, refreshed: 0, finalized: 0, unchanged: 0, failed: 0 };
    const tasks: (() => Promise<CloseAction | CloseAction[]>)[] = [];
    for (const t of await this.endedPeriods(now)) tasks.push(t);
    for (const t of await this.draftsDue(now)) tasks.push(t);
    for (const t of await this.interimDue(now)) tasks.push(t);
    await runPool(tasks, this.opts.concurrency, async (task) => {
      const stop = Metrics.periodCloseSeconds.startTimer();
      try {
        const done = await task();
        for (const action of Array.isArray(done) ? done : [done]) {
          if (action === 'created') result.created += 1;
          else if (action === 'refreshed') result.refreshed += 1;
          else if (action === 'finalized') result.finalized += 1;
          else result.unchanged += 1;
        }
      } catch (err) {
        result.failed += 1;
        this.logger.warn({ err }, 'period close failed; retried on the next pass');
      } finally {
        stop();
      }
    });
    return result;
  }

  /**
   * For each subscription, a closer of its ended periods that have no invoice yet (void ones
   * count as invoiced), in order, stopping at the first that fails. Closing in order keeps
   * the invoiced periods a contiguous run from the start, so the latest invoiced end is where
   * to resume, and a period's invoice always comes after the one that billed its fee in
   * advance.
   */
  private async endedPeriods(now: Date): Promise<(() => Promise<CloseAction | CloseAction[]>)[]> {
    const subs = await this.deps.db
      .selectFrom('subscriptions as s')
      .selectAll('s')
      .select(
        sql<Date | null>`(SELECT max(i.period_end) FROM invoices i
                          WHERE i.tenant_id = s.tenant_id AND i.subscription_id = s.id AND i.kind = 'period')`.as(
          'invoiced_through',
        ),
      )
      .where('s.start_at', '<', now)
      .where((eb) => eb.or([eb('s.end_at', 'is', null), eb('s.end_at', '>', eb.ref('s.start_at'))]))
      .execute();
    const tasks: (() => Promise<CloseAction | CloseAction[]>)[] = [];
    for (const { invoiced_through, ...sub } of subs) {
      const from = invoiced_through ?? sub.start_at;
      const until = sub.end_at && sub.end_at < now ? sub.end_at : now;
      if (from >= until) continue;
      let periods;
      try {
        periods = await periodsOfSubscription(this.deps.db, sub.tenant_id, sub, from, until);
      } catch (err) {
        this.logger.warn({ err, subscriptionId: sub.id }, 'cannot list the periods of a subscription');
        continue;
      }
      const ended = periods.filter(
        (p) => Date.parse(p.end) <= now.getTime() && Date.parse(p.start) >= from.getTime(),
      );
      if (ended.length === 0) continue;
      tasks.push(async () => {
        const actions: CloseAction[] = [];
        for (const p of ended)
          actions.push((await closePeriod(this.deps, sub.tenant_id, sub, p, now)).action);
        return actions;
      });
    }
    return tasks;
  }

  /** Subscriptions with progressive billing: an interim invoice when the threshold is reached. */
  private async interimDue(now: Date): Promise<(() => Promise<CloseAction | CloseAction[]>)[]> {
    const subs = await this.deps.db
      .selectFrom('subscriptions')
      .selectAll()
      .where('progressive_billing_threshold', 'is not', null)
      .where('start_at', '<=', now)
      .where((eb) => eb.or([eb('end_at', 'is', null), eb('end_at', '>', now)]))
      .execute();
    return subs.map(
      (sub) => async () =>
        (await issueInterimInvoiceIfDue(this.deps, sub.tenant_id, sub, now)) ? 'finalized' : 'unchanged',
    );
  }

  private async draftsDue(now: Date): Promise<(() => Promise<CloseAction | CloseAction[]>)[]> {
    const stale = new Date(now.getTime() - this.opts.draftRefreshMs);
    const drafts = await this.deps.db
      .selectFrom('invoices')
      .select(['id', 'tenant_id'])
      .where('status', '=', 'draft')
      .where((eb) => eb.or([eb('grace_until', '<=', now), eb('computed_at', '<=', stale)]))
      .orderBy('grace_until')
      .execute();
    return drafts.map((d) => async () => {
      const { sub, period } = await invoiceContext(this.deps, d.tenant_id, d.id);
      return (await closePeriod(this.deps, d.tenant_id, sub, period, now)).action;
    });
  }
}

async function runPool<T>(items: T[], concurrency: number, run: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const item = items[next++]!;
      await run(item);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(concurrency, items.length)) }, worker));
}
