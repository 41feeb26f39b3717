/**
 * Host identifiers as Ansible reads them (ansible-core 2.14
 * lib/ansible/parsing/utils/addresses.py, parse_address): a host name, IPv4 or IPv6 address,
 * each possibly holding `[x:y]` ranges, with an optional port — `name:22`, `10.0.0.5:2022`,
 * and for IPv6 only in brackets, `[fe80::1]:2200`. The inventory reads host keys with it
 * (the port becomes ansible_port), host patterns decide with it whether a colon separates
 * patterns, and `inventory_hostname_short` keeps an IP address whole.
 */

const NUMERIC_RANGE = String.raw`\[[0-9]+:[0-9]+(?::[0-9]+)?\]`;
const HEX_RANGE = String.raw`\[[0-9a-f]+:[0-9a-f]+(?::[0-9]+)?\]`;
const ALNUM_RANGE = String.raw`\[(?:[a-z]:[a-z]|[0-9]+:[0-9]+)(?::[0-9]+)?\]`;

const IPV4_PART = String.raw`(?:[01]?[0-9]{1,2}|2[0-4][0-9]|25[0-5]|${NUMERIC_RANGE})`;
const IPV6_PART = String.raw`(?:[0-9a-f]{1,4}|${HEX_RANGE})`;
const LABEL = String.raw`(?:[\p{L}\p{N}_]|${ALNUM_RANGE})(?:[\p{L}\p{N}_-]|${ALNUM_RANGE})*(?<![_-])`;

const IPV4 = new RegExp(String.raw`^(?:${IPV4_PART}\.){3}${IPV4_PART}$`, 'i');
const IPV6 = (() => {
  const p = IPV6_PART;
  const v4 = String.raw`(?:${p}\.){3}${p}`;
  const forms = [
    `(?:${p}:){7}${p}`,
    `(?:${p}:){1,6}:`,
    `(?:${p}:)(?::${p}){1,6}`,
    `(?:${p}:){2}(?::${p}){1,5}`,
    `(?:${p}:){3}(?::${p}){1,4}`,
    `(?:${p}:){4}(?::${p}){1,3}`,
    `(?:${p}:){5}(?::${p}){1,2}`,
    `(?:${p}:){6}(?::${p})`,
    `:(?::${p}){1,6}`,
    `${p}?::`,
    `(?:0:){6}${v4}`,
    `::(?:ffff:)?${v4}`,
    `(?:0:){5}ffff:${v4}`,
  ];
  return new RegExp(`^(?:${forms.join('|')})$`, 'i');
})();
const HOSTNAME = new RegExp(`^${LABEL}(?:\\.${LABEL})*$`, 'iu');

const BRACKETED_HOST_PORT = /^\[(.+)\]:([0-9]+)$/;
const HOST_PORT = /^((?:[^:[\]]|\[[^\]]*\])*):([0-9]+)$/;

export interface ParsedAddress {
  host: string;
  port?: number;
}

/** The host and port of `address`, or undefined when Ansible would not read it as a host identifier. */
export function parseAddress(address: string, allowRanges = false): ParsedAddress | undefined {
  let host = address;
  let port: number | undefined;
  // Both forms are tried in turn, as Ansible does: `[h]:1` first, then `h:1`.
  for (const form of [BRACKETED_HOST_PORT, HOST_PORT]) {
    const m = form.exec(host);
    if (m) {
      host = m[1];
      port = Number(m[2]);
    }
  }
  if (!IPV4.test(host) && !IPV6.test(host) && !HOSTNAME.test(host)) return undefined;
  if (!allowRanges && host.includes('[')) return undefined;
  return port === undefined ? { host } : { host, port };
}

/** An IPv4 or IPv6 address (ranges allowed, as Ansible's own test in Host.get_magic_vars). */
export function isIpAddress(name: string): boolean {
  return IPV4.test(name) || IPV6.test(name);
}
