import { newId } from './ids';
import { generateApiKey, hashApiKey } from './tenancy/api-keys';

describe('ids', () => {
  it('are prefixed, 26 Crockford characters, and sort by creation time', () => {
    const a = newId('cus', 1_700_000_000_000);
    const b = newId('cus', 1_700_000_000_001);
    expect(a).toMatch(/^cus_[0-9A-HJKMNP-TV-Z]{26}$/);
    expect(a < b).toBe(true);
    expect(newId('cus', 1)).not.toBe(newId('cus', 1));
  });
});

describe('api keys', () => {
  it('are random secrets stored only as a hash, with a short prefix for display', () => {
    const k = generateApiKey();
    expect(k.secret).toMatch(/^mu_sk_[A-Za-z0-9_-]{43}$/);
    expect(k.hash).toBe(hashApiKey(k.secret));
    expect(k.hash).not.toContain(k.secret);
    expect(k.secret.startsWith(k.prefix)).toBe(true);
    expect(generateApiKey().secret).not.toBe(k.secret);
  });
});
