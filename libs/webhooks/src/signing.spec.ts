import { createHmac } from 'node:crypto';
import {
  checkWebhookSignature,
  computeWebhookSignature,
  generateWebhookSecret,
  verifyWebhookSignature,
  webhookSignatureHeader,
} from './signing';

const secret = 'whsec_test_secret';
const body =
  '{"id":"evt_1","type":"invoice.created","createdAt":"2026-01-01T00:00:00.000Z","data":{"total":"12.50"}}';
const t = 1_767_225_600; // 2026-01-01T00:00:00Z

describe('webhook signatures', () => {
  it('is HMAC-SHA256 over "<t>.<body>" in hex, as documented', () => {
    // Computed independently of the module, the way a receiver in another language would.
    const expected = createHmac('sha256', secret).update(`${t}.${body}`, 'utf8').digest('hex');
    expect(computeWebhookSignature(secret, t, body)).toBe(expected);
    expect(webhookSignatureHeader(secret, body, t)).toBe(`t=${t},v1=${expected}`);
  });

  it('accepts its own signature, as a string or as the raw bytes', () => {
    const header = webhookSignatureHeader(secret, body, t);
    expect(checkWebhookSignature(secret, header, body, 300, t)).toBe('ok');
    expect(verifyWebhookSignature(secret, header, Buffer.from(body, 'utf8'), 300, t + 10)).toBe(true);
  });

  it('refuses a tampered body', () => {
    const header = webhookSignatureHeader(secret, body, t);
    const tampered = body.replace('12.50', '1250');
    expect(checkWebhookSignature(secret, header, tampered, 300, t)).toBe('mismatch');
    expect(checkWebhookSignature(secret, header, `${body} `, 300, t)).toBe('mismatch');
  });

  it('refuses a signature made with another secret', () => {
    const header = webhookSignatureHeader(generateWebhookSecret(), body, t);
    expect(checkWebhookSignature(secret, header, body, 300, t)).toBe('mismatch');
    expect(verifyWebhookSignature(secret, header, body, 300, t)).toBe(false);
  });

  it('refuses a moved timestamp (it is signed) and a stale or future one', () => {
    const sig = computeWebhookSignature(secret, t, body);
    expect(checkWebhookSignature(secret, `t=${t + 1},v1=${sig}`, body, 300, t)).toBe('mismatch');
    const header = webhookSignatureHeader(secret, body, t);
    expect(checkWebhookSignature(secret, header, body, 300, t + 300)).toBe('ok');
    expect(checkWebhookSignature(secret, header, body, 300, t + 301)).toBe('stale');
    expect(checkWebhookSignature(secret, header, body, 300, t - 301)).toBe('stale');
    expect(checkWebhookSignature(secret, header, body, 3600, t + 3000)).toBe('ok');
  });

  it('refuses malformed headers', () => {
    const sig = computeWebhookSignature(secret, t, body);
    for (const header of [
      undefined,
      null,
      '',
      sig,
      `v1=${sig}`,
      `t=${t}`,
      `t=${t},v1=${sig.slice(0, 63)}`,
      `t=${t},v1=${sig}zz`,
      `t=abc,v1=${sig}`,
      `t=${t},t=${t},v1=${sig}`,
      `t=${t};v1=${sig}`,
    ]) {
      expect([header, checkWebhookSignature(secret, header, body, 300, t)]).toEqual([header, 'malformed']);
    }
  });

  it('accepts any of several v1 values, and ignores schemes it does not know', () => {
    const good = computeWebhookSignature(secret, t, body);
    const other = computeWebhookSignature('whsec_other', t, body);
    expect(checkWebhookSignature(secret, `t=${t},v1=${other},v1=${good}`, body, 300, t)).toBe('ok');
    expect(checkWebhookSignature(secret, `t=${t}, v2=abc, v1=${good}`, body, 300, t)).toBe('ok');
    expect(checkWebhookSignature(secret, `t=${t},v1=${other}`, body, 300, t)).toBe('mismatch');
  });

  it('generates distinct 256-bit secrets', () => {
    const a = generateWebhookSecret();
    expect(a).toMatch(/^whsec_[A-Za-z0-9_-]{43}$/);
    expect(generateWebhookSecret()).not.toBe(a);
  });
});
