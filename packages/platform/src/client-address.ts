import type { IncomingMessage } from 'node:http';
import ipaddr from 'ipaddr.js';
import proxyAddr from 'proxy-addr';
import { z } from 'zod';

/** Decides whether a hop (by address) is a proxy whose `x-forwarded-for` may be believed. */
export type ProxyTrust = (address: string, hop: number) => boolean;

/**
 * `TRUST_PROXY`: comma-separated addresses or CIDR ranges (`10.0.0.0/8`), or the names `loopback`,
 * `linklocal`, `uniquelocal`. Empty (the default) trusts no one: the address is the socket's peer
 * and `x-forwarded-for` is ignored, whoever sends it.
 */
export const trustProxy = () =>
  z
    .string()
    .default('')
    .transform((value, ctx): ProxyTrust => {
      const list = value
        .split(',')
        .map((entry) => entry.trim())
        .filter(Boolean);
      if (list.length === 0) return () => false;
      try {
        return proxyAddr.compile(list);
      } catch (error) {
        ctx.addIssue({ code: 'custom', message: (error as Error).message });
        return z.NEVER;
      }
    });

/**
 * The address limits count a caller under. Only a trusted proxy's `x-forwarded-for` is read,
 * walking it from the nearest hop outwards (proxy-addr), so a client cannot name its own address.
 */
export function clientAddressOf(req: IncomingMessage, trust: ProxyTrust): string {
  if (!req.socket.remoteAddress) return 'unknown';
  return addressKey(proxyAddr(req, trust));
}

/**
 * One key per subscriber: IPv4 as is (an IPv4-mapped IPv6 address too), IPv6 by its /64, since
 * one home or phone is handed a whole /64 and could otherwise rotate through it.
 */
export function addressKey(address: string): string {
  if (!ipaddr.isValid(address)) return address.slice(0, 64);
  const parsed = ipaddr.process(address);
  if (parsed.kind() === 'ipv4') return parsed.toString();
  const prefix = ipaddr.IPv6.networkAddressFromCIDR(`${parsed.toString()}/64`);
  return `${prefix.toString()}/64`;
}
