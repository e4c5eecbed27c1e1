import {
  ContractViolationError,
  decodeMessage,
  encodeMessage,
  UsageRawBatch,
  type UsageRawBatchV1,
} from './index';

const event = {
  id: 'e1',
  source: 'api',
  type: 'api.call',
  subject: 'cust-1',
  time: '2026-11-01T10:00:00.000Z',
  data: { ms: '12' },
};
const batch: UsageRawBatchV1 = {
  batchId: 'b1',
  tenantId: 'acme',
  receivedAt: '2026-11-01T10:00:00.100Z',
  events: [event],
};

describe('message contracts', () => {
  it('round-trips a valid message', () => {
    const decoded = decodeMessage(UsageRawBatch, encodeMessage(UsageRawBatch, batch));
    expect(decoded).toEqual(batch);
  });

  it('lists every problem with its path, including nested events', () => {
    const bad = {
      ...batch,
      tenantId: '',
      events: [event, { ...event, time: '2026-11-01 10:00', data: 'x' }],
      extra: 1,
    };
    let err: ContractViolationError | undefined;
    try {
      decodeMessage(UsageRawBatch, Buffer.from(JSON.stringify(bad)));
    } catch (e) {
      err = e as ContractViolationError;
    }
    expect(err).toBeInstanceOf(ContractViolationError);
    expect(err!.code).toBe('CONTRACT_VIOLATION');
    const paths = err!.issues.map((i) => i.path);
    expect(paths).toEqual(expect.arrayContaining(['tenantId', 'events.1.time', 'events.1.data', 'extra']));
    expect(err!.message).toMatch(/^usage\.raw\.v1: /);
  });

  it('refuses bytes that are not a JSON object', () => {
    expect(() => decodeMessage(UsageRawBatch, Buffer.from('nope'))).toThrow(/payload is not valid JSON/);
    expect(() => decodeMessage(UsageRawBatch, Buffer.from('[1]'))).toThrow(/payload must be a JSON object/);
  });

  it('refuses to encode an invalid outbound payload', () => {
    expect(() => encodeMessage(UsageRawBatch, { ...batch, events: [] })).toThrow(
      /events: events must contain at least 1 elements/,
    );
  });
});
