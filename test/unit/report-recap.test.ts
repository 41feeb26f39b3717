import t from 'tap';
import { banner, formatRecap } from '../../src/report/recap.ts';

t.test('PLAY RECAP columns as Ansible prints them, hosts sorted', async (t) => {
  const text = formatRecap({
    node2: { ok: 12, changed: 0, unreachable: 0, failed: 1, skipped: 3, rescued: 0, ignored: 0 },
    node1: { ok: 3, changed: 1, unreachable: 0, failed: 0, skipped: 0, rescued: 0, ignored: 0 },
  });
  t.equal(
    text,
    'PLAY RECAP *********************************************************************\n' +
      'node1                      : ok=3    changed=1    unreachable=0    failed=0    skipped=0    rescued=0    ignored=0\n' +
      'node2                      : ok=12   changed=0    unreachable=0    failed=1    skipped=3    rescued=0    ignored=0\n',
  );
});

t.test('a host name longer than 26 columns widens the column for every host', async (t) => {
  const long = 'edge-node-with-a-long-fqdn.example.org';
  const lines = formatRecap({
    [long]: { ok: 1, changed: 0, unreachable: 0, failed: 0, skipped: 0, rescued: 0, ignored: 0 },
    a: { ok: 10000, changed: 0, unreachable: 1, failed: 0, skipped: 0, rescued: 0, ignored: 2 },
  }).split('\n');
  t.equal(lines[1], `a${' '.repeat(long.length - 1)} : ok=10000 changed=0    unreachable=1    failed=0    skipped=0    rescued=0    ignored=2`);
  t.equal(lines[2], `${long} : ok=1    changed=0    unreachable=0    failed=0    skipped=0    rescued=0    ignored=0`);
  t.equal(lines[1].indexOf(':'), lines[2].indexOf(':'));
});

t.test('an empty recap is just the heading; banners keep at least three stars', async (t) => {
  t.equal(formatRecap({}), `PLAY RECAP ${'*'.repeat(69)}\n`);
  t.equal(banner('TASK [' + 'x'.repeat(100) + ']'), `TASK [${'x'.repeat(100)}] ***`);
});
