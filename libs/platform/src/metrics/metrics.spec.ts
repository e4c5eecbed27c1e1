import { Metrics, metricsRegistry } from './metrics';

describe('Metrics', () => {
  it('are all registered, named mu_*, and labelled without any per-tenant or per-event value', async () => {
    const names = Object.values(Metrics).map((m) => (m as unknown as { name: string }).name);
    const registered = (await metricsRegistry.getMetricsAsJSON()).map((m) => m.name);
    for (const name of names) {
      expect(name).toMatch(/^mu_[a-z_]+$/);
      expect(registered).toContain(name);
    }
    for (const m of Object.values(Metrics)) {
      const labels = (m as unknown as { labelNames: string[] }).labelNames;
      for (const l of labels) expect(l).not.toMatch(/tenant|customer|subject|event_id|key/);
    }
  });

  it('are served in the Prometheus text format', async () => {
    Metrics.webhookDeliveries.inc({ outcome: 'failure' });
    const text = await metricsRegistry.metrics();
    expect(metricsRegistry.contentType).toMatch(/^text\/plain; version=0\.0\.4/);
    expect(text).toContain('# TYPE mu_webhook_deliveries_total counter');
    expect(text).toContain('mu_webhook_deliveries_total{outcome="failure"} 1');
    expect(text).toContain('# TYPE mu_invoicer_period_close_seconds histogram');
  });
});
