import { classify, planMessage, type KeyedEvent, type Outcome } from './classify';
import { encodeClaim, payloadHash } from './keys';

const ev = (id: string, tokens = 1, source = 'src'): KeyedEvent => ({
  id,
  source,
  type: 'api.call',
  subject: 'cus_1',
  time: '2025-01-01T00:00:00.000Z',
  data: { tokens },
});

interface Case {
  name: string;
  sequence: number;
  events: KeyedEvent[];
  /** Stored values by event id, before this message. */
  stored: Record<string, string>;
  expected: Outcome['kind'][];
}

const S = 10;
const cases: Case[] = [
  { name: 'all new', sequence: S, events: [ev('a'), ev('b')], stored: {}, expected: ['new', 'new'] },
  {
    name: 'identical repeat of an earlier message',
    sequence: S,
    events: [ev('a'), ev('b')],
    stored: { a: encodeClaim(3, payloadHash(ev('a'))) },
    expected: ['duplicate', 'new'],
  },
  {
    name: 'redelivery of the same message: own sequence reads back as new',
    sequence: S,
    events: [ev('a'), ev('b')],
    stored: { a: encodeClaim(S, payloadHash(ev('a'))), b: encodeClaim(S, payloadHash(ev('b'))) },
    expected: ['new', 'new'],
  },
  {
    name: 'same id, different payload from an earlier message',
    sequence: S,
    events: [ev('a', 2)],
    stored: { a: encodeClaim(3, payloadHash(ev('a', 1))) },
    expected: ['conflict'],
  },
  {
    name: 'repeat inside one message: first wins, identical second is a duplicate',
    sequence: S,
    events: [ev('a'), ev('a'), ev('a', 2)],
    stored: {},
    expected: ['new', 'duplicate', 'conflict'],
  },
  {
    name: 'repeat inside a redelivered message stays first-wins',
    sequence: S,
    events: [ev('a'), ev('a', 2)],
    stored: { a: encodeClaim(S, payloadHash(ev('a'))) },
    expected: ['new', 'conflict'],
  },
  {
    name: 'repeat inside a message of an already-known event compares with the stored winner',
    sequence: S,
    events: [ev('a', 2), ev('a', 1)],
    stored: { a: encodeClaim(3, payloadHash(ev('a', 1))) },
    expected: ['conflict', 'duplicate'],
  },
  {
    name: 'same id from another source is another event',
    sequence: S,
    events: [ev('a', 1, 'other')],
    stored: {},
    expected: ['new'],
  },
  {
    name: 'a stored value this service did not write is never published over',
    sequence: S,
    events: [ev('a')],
    stored: { a: 'garbage' },
    expected: ['conflict'],
  },
];

describe('classify', () => {
  it.each(cases)('$name', ({ sequence, events, stored, expected }) => {
    const plan = planMessage(sequence, 'tenant', events);
    // What Redis would answer: the stored value, or null where the SET stores ours.
    const byKey = new Map<string, string>();
    for (const [id, v] of Object.entries(stored)) {
      const e = events.find((x) => x.id === id)!;
      byKey.set(planMessage(sequence, 'tenant', [e]).claims[0]!.key, v);
    }
    const previous = plan.claims.map((c) => byKey.get(c.key) ?? null);
    expect(classify(plan, previous).map((o) => o.kind)).toEqual(expected);
  });

  it('claims each distinct key once, with value "S:<hash>"', () => {
    const plan = planMessage(7, 'tenant', [ev('a'), ev('b'), ev('a')]);
    expect(plan.claims).toHaveLength(2);
    expect(plan.claims[0]!.value).toBe(`7:${payloadHash(ev('a'))}`);
  });

  it('refuses an answer that does not match the claims', () => {
    const plan = planMessage(7, 'tenant', [ev('a')]);
    expect(() => classify(plan, [])).toThrow(/expected 1 answers/);
  });
});
