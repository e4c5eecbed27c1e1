import { plainToInstance } from 'class-transformer';
import { validateSync } from 'class-validator';
import { UsageRawBatch, UsageUniqueBatch, type MessageContract } from './index';

const event = {
  id: 'e1',
  source: 'api',
  type: 'api.call',
  subject: 'cust-1',
  time: '2026-11-01T10:00:00.000Z',
  data: { ms: '12' },
};

/** What the class-validator schema alone says (the fast path bypassed). */
function schemaAccepts(contract: MessageContract<object>, plain: unknown): boolean {
  const instance = plainToInstance(contract.schema, plain);
  return (
    validateSync(instance, {
      whitelist: true,
      forbidNonWhitelisted: true,
      forbidUnknownValues: true,
    }).length === 0
  );
}

type Variant = [string, (e: Record<string, unknown>) => unknown];
const eventVariants: Variant[] = [
  ['valid', (e) => e],
  ['with specversion', (e) => ({ ...e, specversion: '1.0' })],
  ['numeric specversion', (e) => ({ ...e, specversion: 1 })],
  ['unknown member', (e) => ({ ...e, extra: 1 })],
  ['empty id', (e) => ({ ...e, id: '' })],
  ['id of 256', (e) => ({ ...e, id: 'x'.repeat(256) })],
  ['id of 257', (e) => ({ ...e, id: 'x'.repeat(257) })],
  ['id of 128 astral characters (256 UTF-16 units)', (e) => ({ ...e, id: '😀'.repeat(128) })],
  ['id of 200 astral characters', (e) => ({ ...e, id: '😀'.repeat(200) })],
  ['id of one variation selector', (e) => ({ ...e, id: '\uFE0F' })],
  ['id selector then letter', (e) => ({ ...e, id: '\uFE0Fa' })],
  ['numeric id', (e) => ({ ...e, id: 7 })],
  ['missing subject', ({ subject: _s, ...rest }) => rest],
  ['source of 1025', (e) => ({ ...e, source: 's'.repeat(1025) })],
  ['time without millis', (e) => ({ ...e, time: '2026-11-01T10:00:00Z' })],
  ['time as number', (e) => ({ ...e, time: 1_700_000_000_000 })],
  ['data array', (e) => ({ ...e, data: [1] })],
  ['data null', (e) => ({ ...e, data: null })],
  ['data string', (e) => ({ ...e, data: 'x' })],
  ['event null', () => null],
  ['event array', () => [event]],
];

describe('fast contract checks agree with the schemas', () => {
  it.each(eventVariants)('raw batch, event %s', (_name, vary) => {
    const plain = {
      batchId: 'b1',
      tenantId: 'acme',
      receivedAt: '2026-11-01T10:00:00.100Z',
      events: [event, vary(event)],
    };
    const fast = UsageRawBatch.fastCheck!(plain);
    const full = schemaAccepts(UsageRawBatch, plain);
    // Sound: fast never accepts what the schema refuses. Useful: it accepts every ordinary valid event.
    if (fast) expect(full).toBe(true);
    if (_name === 'valid' || _name === 'with specversion') expect(fast).toBe(true);
  });

  it.each(eventVariants)('unique batch, event %s', (_name, vary) => {
    const plain = {
      tenantId: 'acme',
      rawSequence: 3,
      receivedAt: '2026-11-01T10:00:00.100Z',
      events: [vary(event)],
    };
    const fast = UsageUniqueBatch.fastCheck!(plain);
    if (fast) expect(schemaAccepts(UsageUniqueBatch, plain)).toBe(true);
    if (_name === 'valid') expect(fast).toBe(true);
  });

  const envelopes: [string, Record<string, unknown>][] = [
    ['no events', { events: [] }],
    ['events not an array', { events: event }],
    ['bad receivedAt', { receivedAt: 'yesterday' }],
    ['tenant of 65', { tenantId: 't'.repeat(65) }],
    ['unknown member', { extra: true }],
    ['rawSequence 0', { rawSequence: 0 }],
    ['rawSequence 1.5', { rawSequence: 1.5 }],
    ['rawSequence string', { rawSequence: '3' }],
    ['batchId empty', { batchId: '' }],
  ];
  it.each(envelopes)('envelope: %s is never fast-accepted wrongly', (_name, change) => {
    const raw = {
      batchId: 'b1',
      tenantId: 'acme',
      receivedAt: '2026-11-01T10:00:00.100Z',
      events: [event],
      ...change,
    };
    const unique = {
      tenantId: 'acme',
      rawSequence: 3,
      receivedAt: '2026-11-01T10:00:00.100Z',
      events: [event],
      ...change,
    };
    if (UsageRawBatch.fastCheck!(raw)) expect(schemaAccepts(UsageRawBatch, raw)).toBe(true);
    if (UsageUniqueBatch.fastCheck!(unique)) expect(schemaAccepts(UsageUniqueBatch, unique)).toBe(true);
    // Each of these is invalid for at least one of the two contracts, and refused by its fast check.
    expect(UsageRawBatch.fastCheck!(raw) && UsageUniqueBatch.fastCheck!(unique)).toBe(false);
  });

  it('rejects over 10,000 events in a raw batch', () => {
    const raw = {
      batchId: 'b1',
      tenantId: 'acme',
      receivedAt: '2026-11-01T10:00:00.100Z',
      events: Array(10_001).fill(event),
    };
    expect(UsageRawBatch.fastCheck!(raw)).toBe(false);
    expect(schemaAccepts(UsageRawBatch, raw)).toBe(false);
  });
});
