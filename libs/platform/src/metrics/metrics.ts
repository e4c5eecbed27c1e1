import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';

/**
 * The one Prometheus registry of this process, served at `GET /metrics` on the service's HTTP
 * port. Every metric Mu exports is defined below, once, so names, labels and buckets are in
 * one place (docs/operations.md lists them with suggested alerts). No metric carries a tenant,
 * customer or event id as a label: series must stay bounded whatever the traffic.
 */
export const metricsRegistry = new Registry();

const registers = [metricsRegistry];

let processMetrics = false;

/** Node's own metrics (CPU, memory, event-loop lag, GC, handles), once per process. */
export function enableProcessMetrics(): void {
  if (processMetrics) return;
  processMetrics = true;
  collectDefaultMetrics({ register: metricsRegistry });
}

/** What a JetStream consumer of this process reports at scrape time. */
export interface ConsumerLagSource {
  readonly stream: string;
  readonly consumer: string;
  /** The consumer's counts now; undefined once the source is gone for good (it is dropped). */
  sample(): Promise<{ undelivered: number; unacked: number } | undefined>;
}

const lagSources = new Set<ConsumerLagSource>();
const LAG_SAMPLE_TIMEOUT_MS = 2_000;

/** Report this consumer's lag on every scrape, for as long as its connection is open. */
export function watchConsumerLag(source: ConsumerLagSource): void {
  lagSources.add(source);
}

const consumerLag = new Gauge({
  name: 'mu_jetstream_consumer_lag_messages',
  help:
    'Messages a durable JetStream consumer has not finished, sampled from the server at scrape time: ' +
    'state="undelivered" (num_pending: in the stream, not yet handed out) and state="unacked" ' +
    '(num_ack_pending: handed out, not yet acked). Every replica reports the same durable.',
  labelNames: ['stream', 'consumer', 'state'] as const,
  registers,
  // A consumer that does not answer in time has no sample in this scrape rather than a stale one.
  async collect() {
    this.reset();
    await Promise.all(
      [...lagSources].map(async (source) => {
        let timer: NodeJS.Timeout | undefined;
        try {
          const lag = await Promise.race([
            source.sample(),
            new Promise<never>((_, reject) => {
              timer = setTimeout(() => reject(new Error('timeout')), LAG_SAMPLE_TIMEOUT_MS);
            }),
          ]);
          if (lag === undefined) {
            lagSources.delete(source);
            return;
          }
          const labels = { stream: source.stream, consumer: source.consumer };
          this.set({ ...labels, state: 'undelivered' }, lag.undelivered);
          this.set({ ...labels, state: 'unacked' }, lag.unacked);
        } catch {
          // NATS is slow or away: readiness and the logs say so; this scrape has no sample.
        } finally {
          clearTimeout(timer);
        }
      }),
    );
  },
});

const SECONDS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

export const Metrics = {
  /** Every service: requests answered, by route pattern (never a raw path) and status. */
  httpRequests: new Counter({
    name: 'mu_http_requests_total',
    help: 'HTTP requests answered, by method, route pattern and status code (health and metrics routes excluded)',
    labelNames: ['method', 'route', 'status'] as const,
    registers,
  }),
  httpDuration: new Histogram({
    name: 'mu_http_request_duration_seconds',
    help: 'Time from request received to response sent, by method and route pattern',
    labelNames: ['method', 'route'] as const,
    buckets: SECONDS,
    registers,
  }),

  /** collector */
  ingestAccepted: new Counter({
    name: 'mu_ingest_events_accepted_total',
    help: 'Events the collector accepted (stored in USAGE_RAW), by transport (http, nats) and route',
    labelNames: ['transport', 'route'] as const,
    registers,
  }),
  ingestRejected: new Counter({
    name: 'mu_ingest_events_rejected_total',
    help: 'Events refused one by one, by stage (collector: validation; deduplicator: DUPLICATE_CONFLICT) and reason code',
    labelNames: ['stage', 'reason'] as const,
    registers,
  }),
  ingestRefused: new Counter({
    name: 'mu_ingest_requests_refused_total',
    help: 'Ingest requests refused whole (nothing accepted), by transport and reason code (RATE_LIMITED, UNAVAILABLE, ...)',
    labelNames: ['transport', 'reason'] as const,
    registers,
  }),

  /** deduplicator */
  dedupEvents: new Counter({
    name: 'mu_dedup_events_total',
    help: 'Events the deduplicator settled, by outcome: unique (published), duplicate (dropped), conflict (same id, other payload: rejected)',
    labelNames: ['outcome'] as const,
    registers,
  }),
  dedupRedisFailures: new Counter({
    name: 'mu_dedup_redis_failures_total',
    help: "Deduplicator batches nak'ed because Redis did not answer (fail closed; consumption pauses)",
    registers,
  }),

  /** Every JetStream consumer (PullConsumerRunner) */
  consumerMessages: new Counter({
    name: 'mu_consumer_messages_total',
    help: "Messages a JetStream consumer of this process settled, by outcome: acked, retried (nak'ed for redelivery), dead_lettered",
    labelNames: ['stream', 'consumer', 'outcome'] as const,
    registers,
  }),
  consumerLag,

  /** rater */
  raterFlushEvents: new Histogram({
    name: 'mu_rater_flush_events',
    help: 'Events per rater flush (one batch of USAGE_UNIQUE messages, one INSERT per table)',
    buckets: [1, 10, 50, 100, 500, 1_000, 5_000, 10_000, 50_000, 100_000],
    registers,
  }),
  raterFlushSeconds: new Histogram({
    name: 'mu_rater_flush_seconds',
    help: 'Time to rate a batch and insert it into ClickHouse (until the ack)',
    buckets: SECONDS,
    registers,
  }),

  /** invoicer */
  periodCloseSeconds: new Histogram({
    name: 'mu_invoicer_period_close_seconds',
    help: 'Time to close one billing period of one subscription (query usage, price, tax, write the invoice)',
    buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300],
    registers,
  }),

  /** webhooks */
  webhookDeliveries: new Counter({
    name: 'mu_webhook_deliveries_total',
    help: 'Webhook delivery attempts, by outcome: success (2xx) or failure (error, timeout, non-2xx)',
    labelNames: ['outcome'] as const,
    registers,
  }),
};
