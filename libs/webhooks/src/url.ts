import { isIP } from 'node:net';

export const MAX_WEBHOOK_URL_LENGTH = 2048;

export interface WebhookUrlPolicy {
  /**
   * Local and test mode: allow `http://` and loopback or private addresses. Off in production,
   * where a receiver must be reachable over TLS on a public address.
   */
  allowHttp: boolean;
}

/**
 * Why `raw` may not receive webhooks, or null when it may. Checked when an endpoint is saved and
 * again before every attempt (the policy may have changed since).
 *
 * Without allowHttp, host names that are IP literals in loopback, private, link-local or
 * unspecified ranges (and `localhost`) are refused, so a tenant cannot aim Mu's dispatcher at
 * its own network by address. A DNS name that resolves to such an address is not caught here;
 * production deployments should also restrict the invoicer's egress.
 */
export function webhookUrlProblem(raw: string, policy: WebhookUrlPolicy): string | null {
  if (raw.length > MAX_WEBHOOK_URL_LENGTH) return `must be at most ${MAX_WEBHOOK_URL_LENGTH} characters`;
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return 'must be an absolute http or https URL';
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return 'must be an http or https URL';
  if (url.username || url.password) return 'must not contain credentials (user:password@)';
  if (policy.allowHttp) return null;
  if (url.protocol !== 'https:') return 'must be an https URL';
  if (isLocalHost(url.hostname)) return 'must not point at a loopback, private or link-local address';
  return null;
}

function isLocalHost(hostname: string): boolean {
  const host = hostname.replace(/^\[|\]$/g, '').toLowerCase();
  if (host === 'localhost' || host.endsWith('.localhost')) return true;
  switch (isIP(host)) {
    case 4:
      return isLocalIPv4(host);
    case 6:
      return isLocalIPv6(host);
    default:
      return false;
  }
}

function isLocalIPv4(ip: string): boolean {
  const [a = 0, b = 0] = ip.split('.').map(Number);
  return (
    a === 0 || // "this" network
    a === 10 ||
    a === 127 ||
    (a === 100 && b >= 64 && b <= 127) || // carrier-grade NAT
    (a === 169 && b === 254) || // link-local, cloud metadata services
    (a === 172 && b >= 16 && b <= 31) ||
    (a === 192 && b === 168)
  );
}

function isLocalIPv6(ip: string): boolean {
  if (ip === '::' || ip === '::1') return true;
  // IPv4-mapped (::ffff:a.b.c.d, which URL normalises to ::ffff:xxxx:xxxx).
  const mapped = /^::ffff:([0-9a-f]{1,4}):([0-9a-f]{1,4})$/.exec(ip);
  if (mapped) {
    const hi = parseInt(mapped[1]!, 16);
    const lo = parseInt(mapped[2]!, 16);
    return isLocalIPv4(`${hi >> 8}.${hi & 255}.${lo >> 8}.${lo & 255}`);
  }
  const first = parseInt(ip.split(':')[0] || '0', 16);
  return (first & 0xfe00) === 0xfc00 /* unique local */ || (first & 0xffc0) === 0xfe80; /* link-local */
}
