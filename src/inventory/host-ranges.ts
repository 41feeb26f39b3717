/**
 * Ansible's host ranges in inventory host names: `node[01:03]` is node01, node02, node03;
 * `db-[a:c].lan` is db-a.lan … db-c.lan; `[1:9:2]` steps by 2. Several ranges in one name
 * multiply out. A zero-padded start pads every number to its width. As Ansible's
 * expand_hostname_range (ansible-core 2.14 lib/ansible/plugins/inventory/__init__.py):
 * any `[` starts a range, and a numeric range whose start is after its end stands for no
 * host at all (Python's empty range()); a reversed letter range is an error there too.
 */

const RANGE = /^(.*?)\[([0-9a-zA-Z]*):([0-9a-zA-Z]+)(?::([0-9]+))?\](.*)$/;
const LETTERS = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ';

/** The host names a key stands for, or an error message when the range is malformed. */
export function expandHostRange(name: string): string[] | { error: string } {
  const m = RANGE.exec(name);
  if (!m) return name.includes('[') ? { error: `host range "${name}": must be [begin:end] or [begin:end:step]` } : [name];
  const [, head, begRaw, end, stepRaw, tail] = m;
  const beg = begRaw || '0';
  const step = stepRaw ? Number(stepRaw) : 1;
  if (step < 1) return { error: `host range "${name}": step must be at least 1` };
  let seq: string[];
  if (/^[0-9]+$/.test(beg) && /^[0-9]+$/.test(end)) {
    const width = beg.length > 1 && beg.startsWith('0') ? beg.length : 0;
    if (width && width !== end.length) {
      return { error: `host range "${name}": zero-padded start and end must have the same width` };
    }
    const from = Number(beg);
    const to = Number(end);
    seq = [];
    for (let i = from; i <= to; i += step) seq.push(String(i).padStart(width, '0'));
  } else if (beg.length === 1 && end.length === 1 && LETTERS.includes(beg) && LETTERS.includes(end)) {
    const from = LETTERS.indexOf(beg);
    const to = LETTERS.indexOf(end);
    if (from > to) return { error: `host range "${name}": start is after end` };
    seq = [];
    for (let i = from; i <= to; i += step) seq.push(LETTERS[i]);
  } else {
    return { error: `host range "${name}": use numbers ([01:10]) or single letters ([a:f])` };
  }
  const out: string[] = [];
  for (const item of seq) {
    const rest = expandHostRange(`${item}${tail}`);
    if (!Array.isArray(rest)) return rest;
    for (const r of rest) out.push(`${head}${r}`);
  }
  return out;
}
