import { describe, expect, it } from 'vitest';
import { clientAddress } from '../../../src-server/http/client-address.ts';

const req = (peer: string | undefined, headers: Record<string, string | string[]> = {}) => ({ socket: { remoteAddress: peer }, headers });

describe('clientAddress: per-customer limits behind a tunnel', () => {
  it.each([
    ['a direct peer is itself, whatever it claims', req('203.0.113.9', { 'x-forwarded-for': '198.51.100.1' }), '203.0.113.9'],
    ['behind a local proxy: the address the proxy appended (last X-Forwarded-For entry)', req('127.0.0.1', { 'x-forwarded-for': '6.6.6.6, 198.51.100.7' }), '198.51.100.7'],
    ['cloudflared: CF-Connecting-IP wins over X-Forwarded-For', req('::1', { 'cf-connecting-ip': '198.51.100.8', 'x-forwarded-for': '198.51.100.9' }), '198.51.100.8'],
    ['IPv4-mapped loopback peer counts as a local proxy', req('::ffff:127.0.0.1', { 'x-forwarded-for': '198.51.100.10' }), '198.51.100.10'],
    ['a forwarded value that is not an address is ignored', req('127.0.0.1', { 'x-forwarded-for': 'evil, <script>' }), '127.0.0.1'],
    ['loopback without forwarding headers stays one bucket', req('127.0.0.1'), '127.0.0.1'],
    ['IPv6 customers are grouped by /56', req('127.0.0.1', { 'x-forwarded-for': '2001:db8:abcd:12ff::1' }), '2001:db8:abcd:1200::/56'],
  ])('%s', (_name, request, expected) => {
    expect(clientAddress(request)).toBe(expected);
  });

  it('two customers behind the same tunnel are two clients', () => {
    const a = clientAddress(req('127.0.0.1', { 'x-forwarded-for': '198.51.100.1' }));
    const b = clientAddress(req('127.0.0.1', { 'x-forwarded-for': '198.51.100.2' }));
    expect(a).not.toBe(b);
  });
});
