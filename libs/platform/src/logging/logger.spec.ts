import { Writable } from 'node:stream';
import { context, trace, TraceFlags } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { createLogger, redactUrl } from './logger';

function sink() {
  const lines: Record<string, unknown>[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _e, cb) {
      lines.push(JSON.parse(chunk.toString()) as Record<string, unknown>);
      cb();
    },
  });
  return { lines, destination };
}

describe('logger', () => {
  it('writes JSON with the service, fixed field names and no secrets or personal data', () => {
    const { lines, destination } = sink();
    const log = createLogger({ service: 'collector', destination });
    log.info(
      {
        tenantId: 't1',
        eventId: 'e1',
        apiKey: 'mu_live_secret',
        customer: { email: 'a@b.c', name: 'Ada' },
        headers: { authorization: 'Bearer x' },
      },
      'accepted',
    );
    const line = lines[0]!;
    expect(line).toMatchObject({
      service: 'collector',
      level: 'info',
      msg: 'accepted',
      tenantId: 't1',
      eventId: 'e1',
    });
    const text = JSON.stringify(line);
    for (const secret of ['mu_live_secret', 'a@b.c', 'Ada', 'Bearer x']) expect(text).not.toContain(secret);
  });

  it('adds the active trace to every line', () => {
    const manager = new AsyncLocalStorageContextManager().enable();
    context.setGlobalContextManager(manager);
    try {
      const { lines, destination } = sink();
      const log = createLogger({ service: 's', destination });
      const spanContext = {
        traceId: '0af7651916cd43dd8448eb211c80319c',
        spanId: 'b7ad6b7169203331',
        traceFlags: TraceFlags.SAMPLED,
      };
      context.with(trace.setSpanContext(context.active(), spanContext), () => log.info('inside'));
      expect(lines[0]).toMatchObject({ traceId: spanContext.traceId, spanId: spanContext.spanId });
    } finally {
      context.disable();
    }
  });

  it('redacts passwords in URLs', () => {
    expect(redactUrl('postgres://mu:hunter2@db:5432/mu')).toBe('postgres://mu:redacted@db:5432/mu');
    expect(redactUrl('not a url')).toBe('[unparseable url]');
  });
});
