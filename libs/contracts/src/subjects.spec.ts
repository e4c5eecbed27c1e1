import { Consumers, Streams, Subjects, tenantOfSubject, tenantToken } from './index';

describe('subjects', () => {
  it('builds per-tenant subjects that the streams capture', () => {
    expect(Subjects.usageRaw('acme')).toBe('usage.raw.v1.acme');
    expect(Streams.USAGE_RAW.subjects).toEqual(['usage.raw.v1.*']);
    expect(tenantOfSubject(Subjects.usageUnique('t_1-x'))).toBe('t_1-x');
  });

  it('refuses tenant ids that would split or wildcard a subject', () => {
    for (const bad of ['a.b', '*', '>', '', 'a b', 'x'.repeat(65)])
      expect(() => tenantToken(bad)).toThrow(/not a valid subject token/);
  });

  it('names each stream and consumer once, and every consumer reads an existing stream', () => {
    const names = Object.values(Streams).map((s) => s.name);
    expect(new Set(names).size).toBe(names.length);
    for (const c of Object.values(Consumers)) expect(names).toContain(c.stream);
    // No two streams may capture the same subject: JetStream refuses overlapping streams.
    const subjects = Object.values(Streams).flatMap((s) => s.subjects);
    expect(new Set(subjects).size).toBe(subjects.length);
  });
});
