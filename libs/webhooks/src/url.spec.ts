import { webhookUrlProblem } from './url';

const strict = { allowHttp: false };
const local = { allowHttp: true };

describe('webhook URL policy', () => {
  it.each([
    ['https://hooks.example.com/mu', null],
    ['https://hooks.example.com:8443/mu?tenant=a', null],
    ['http://hooks.example.com/mu', 'must be an https URL'],
    ['ftp://hooks.example.com/mu', 'must be an http or https URL'],
    ['javascript:alert(1)', 'must be an http or https URL'],
    ['hooks.example.com/mu', 'must be an absolute http or https URL'],
    ['', 'must be an absolute http or https URL'],
    ['https://user:pw@hooks.example.com/', 'must not contain credentials (user:password@)'],
    ['https://localhost/hook', 'must not point at a loopback, private or link-local address'],
    ['https://api.localhost/hook', 'must not point at a loopback, private or link-local address'],
    ['https://127.0.0.1/hook', 'must not point at a loopback, private or link-local address'],
    ['https://2130706433/hook', 'must not point at a loopback, private or link-local address'],
    ['https://10.1.2.3/hook', 'must not point at a loopback, private or link-local address'],
    ['https://172.20.0.1/hook', 'must not point at a loopback, private or link-local address'],
    ['https://192.168.1.1/hook', 'must not point at a loopback, private or link-local address'],
    [
      'https://169.254.169.254/latest/meta-data',
      'must not point at a loopback, private or link-local address',
    ],
    ['https://100.64.0.1/hook', 'must not point at a loopback, private or link-local address'],
    ['https://0.0.0.0/hook', 'must not point at a loopback, private or link-local address'],
    ['https://[::1]/hook', 'must not point at a loopback, private or link-local address'],
    ['https://[fd00::1]/hook', 'must not point at a loopback, private or link-local address'],
    ['https://[fe80::1]/hook', 'must not point at a loopback, private or link-local address'],
    ['https://[::ffff:127.0.0.1]/hook', 'must not point at a loopback, private or link-local address'],
    ['https://172.32.0.1/hook', null],
    ['https://8.8.8.8/hook', null],
    ['https://[2001:db8::1]/hook', null],
    [`https://example.com/${'a'.repeat(2048)}`, 'must be at most 2048 characters'],
  ])('production: %s -> %s', (url, problem) => {
    expect(webhookUrlProblem(url, strict)).toBe(problem);
  });

  it('local mode allows http and local addresses, and still refuses other schemes and credentials', () => {
    expect(webhookUrlProblem('http://127.0.0.1:4000/hook', local)).toBeNull();
    expect(webhookUrlProblem('http://localhost/hook', local)).toBeNull();
    expect(webhookUrlProblem('file:///etc/passwd', local)).toBe('must be an http or https URL');
    expect(webhookUrlProblem('http://a:b@localhost/', local)).toBe(
      'must not contain credentials (user:password@)',
    );
  });
});
