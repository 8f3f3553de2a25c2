import { BlockList, isIP } from 'node:net';

/** Cloudflare's published proxy ranges (https://www.cloudflare.com/ips/). */
const CLOUDFLARE = [
  '173.245.48.0/20',
  '103.21.244.0/22',
  '103.22.200.0/22',
  '103.31.4.0/22',
  '141.101.64.0/18',
  '108.162.192.0/18',
  '190.93.240.0/20',
  '188.114.96.0/20',
  '197.234.240.0/22',
  '198.41.128.0/17',
  '162.158.0.0/15',
  '104.16.0.0/13',
  '104.24.0.0/14',
  '172.64.0.0/13',
  '131.0.72.0/22',
  '2400:cb00::/32',
  '2606:4700::/32',
  '2803:f800::/32',
  '2405:b500::/32',
  '2405:8100::/32',
  '2a06:98c0::/29',
  '2c0f:f248::/32',
];

function blockList(cidrs: string[]): BlockList {
  const list = new BlockList();
  for (const c of cidrs) {
    const [net, bits] = c.split('/');
    list.addSubnet(net, Number(bits), isIP(net) === 6 ? 'ipv6' : 'ipv4');
  }
  return list;
}

// One list per family: node's BlockList would match an IPv4 address against an IPv6 range as IPv4-mapped.
const cloudflareV4 = blockList(CLOUDFLARE.filter((c) => isIP(c.split('/')[0]) === 4));
const cloudflareV6 = blockList(CLOUDFLARE.filter((c) => isIP(c.split('/')[0]) === 6));

const family = (ip: string) => (isIP(ip) === 6 ? 'ipv6' : 'ipv4');

/** Whether an address is one of Cloudflare's proxies (an "orange cloud" record). */
export function isCloudflareProxy(ip: string): boolean {
  const f = family(ip);
  return isIP(ip) > 0 && (f === 'ipv4' ? cloudflareV4 : cloudflareV6).check(ip, f);
}
