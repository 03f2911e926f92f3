// Addresses as the person sees them: enough to tell "home" from "somewhere else",
// not the whole address (a screenshot of the page should not give it away).

/** IPv4's last octet as x ("1.2.3.x"); IPv6's first three groups ("2001:db8:1:…"); else null. */
export function maskIp(ip: string | null | undefined): string | null {
  if (!ip) return null;
  const address = ip.split('/')[0]; // the backend records IPv6 as its /64
  const v4 = /^(?:::ffff:)?(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.\d{1,3}$/i.exec(address);
  if (v4) return `${v4[1]}.${v4[2]}.${v4[3]}.x`;
  const groups = ipv6Groups(address);
  return groups ? `${groups.slice(0, 3).join(':')}:…` : null;
}

/** The eight groups of an IPv6 address ("::" expanded, leading zeros dropped), or null. */
function ipv6Groups(address: string): string[] | null {
  if (!address.includes(':')) return null;
  const halves = address.split('::');
  if (halves.length > 2) return null;
  const part = (text: string) => (text ? text.split(':') : []);
  const head = part(halves[0]);
  const tail = halves.length === 2 ? part(halves[1]) : [];
  const missing = 8 - head.length - tail.length;
  if (halves.length === 2 ? missing < 1 : missing !== 0) return null;
  const groups = [...head, ...Array<string>(halves.length === 2 ? missing : 0).fill('0'), ...tail];
  if (!groups.every((group) => /^[0-9a-f]{1,4}$/i.test(group))) return null;
  return groups.map((group) => group.replace(/^0+(?=.)/, '').toLowerCase());
}
