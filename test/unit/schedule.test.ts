/** provision schedule: the cron line and the systemd pair, written, printed and removed. */
import t from 'tap';
import { existsSync, mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cronLine, parseInterval, systemdService, systemdTimer } from '../../src/schedule/units.ts';
import { provisionInProcess } from '../helpers/drift-lab.ts';

const spec = { node: '/usr/bin/node', cli: '/opt/provision/bin/provision.js', inventory: '/etc/provision/inv.yaml', every: { amount: 15, unit: 'm' as const }, fix: false, log: '/var/log/provision-drift.log' };

t.test('intervals cron can express exactly', async (t) => {
  t.same(parseInterval('15m'), { amount: 15, unit: 'm' });
  t.same(parseInterval('2h'), { amount: 2, unit: 'h' });
  t.match(parseInterval('7m'), /divisor of 60 minutes/);
  t.match(parseInterval('fortnightly'), /minutes or hours/);
});

t.test('the cron line: absolute paths, --quiet, output to the log and to cron', async (t) => {
  t.equal(cronLine(spec), '*/15 * * * * root /usr/bin/node /opt/provision/bin/provision.js drift -i /etc/provision/inv.yaml --quiet 2>&1 | tee -a /var/log/provision-drift.log');
  t.equal(cronLine({ ...spec, fix: true, textfile: '/var/lib/node_exporter', every: { amount: 1, unit: 'h' } }), '0 * * * * root /usr/bin/node /opt/provision/bin/provision.js drift -i /etc/provision/inv.yaml --quiet --fix --textfile /var/lib/node_exporter 2>&1 | tee -a /var/log/provision-drift.log');
  t.match(cronLine({ ...spec, inventory: "/srv/it's 100%.yaml" }), /-i '\/srv\/it'\\''s 100\\%\.yaml'/, 'quoted, and % escaped for cron');
});

const hasAnalyze = spawnSync('systemd-analyze', ['--version']).status === 0;

t.test('the systemd pair passes systemd-analyze verify', { skip: hasAnalyze ? false : 'systemd-analyze is not installed' }, async (t) => {
  t.match(systemdService(spec), /^ExecStart=\/usr\/bin\/node \/opt\/provision\/bin\/provision.js drift -i \/etc\/provision\/inv.yaml --quiet$/m);
  t.match(systemdTimer(spec), /^OnCalendar=\*:0\/15$/m);
  const dir = mkdtempSync(join(tmpdir(), 'units-'));
  const real = { ...spec, node: process.execPath, cli: '/bin/true', inventory: join(dir, 'inv.yaml'), log: join(dir, 'log') };
  writeFileSync(join(dir, 'provision-drift.service'), systemdService(real));
  writeFileSync(join(dir, 'provision-drift.timer'), systemdTimer(real));
  const r = spawnSync('systemd-analyze', ['verify', '--man=no', join(dir, 'provision-drift.service'), join(dir, 'provision-drift.timer')], { encoding: 'utf8' });
  t.equal(r.status, 0, r.stderr);
});

t.test('schedule writes, prints and removes', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'schedule-'));
  const inv = join(dir, 'inv.yaml');
  writeFileSync(inv, 'all:\n  hosts:\n    node1: {}\n');
  const cron = join(dir, 'provision-drift');
  const printed = await provisionInProcess(['schedule', '-i', inv, '--every', '15m', '--print', '--cron-file', cron]);
  t.equal(printed.code, 0);
  t.match(printed.stdout, new RegExp(`^\\*/15 \\* \\* \\* \\* root ${process.execPath} /\\S+/bin/provision.js drift -i ${inv} --quiet 2>&1 \\| tee -a /var/log/provision-drift.log$`, 'm'));
  t.notOk(existsSync(cron), '--print writes nothing');
  const wrote = await provisionInProcess(['schedule', '-i', inv, '--every', '15m', '--cron-file', cron]);
  t.equal(wrote.code, 0);
  t.equal(readFileSync(cron, 'utf8'), printed.stdout);
  t.equal(statSync(cron).mode & 0o777, 0o644);
  const units = join(dir, 'units');
  t.equal((await provisionInProcess(['schedule', '-i', inv, '--every', '1h', '--systemd', '--systemd-dir', units])).code, 0);
  t.ok(existsSync(join(units, 'provision-drift.service')) && existsSync(join(units, 'provision-drift.timer')));
  t.equal((await provisionInProcess(['schedule', '--remove', '--cron-file', cron])).code, 0);
  t.notOk(existsSync(cron));
  t.equal((await provisionInProcess(['schedule', '--remove', '--systemd', '--systemd-dir', units])).code, 0);
  t.notOk(existsSync(join(units, 'provision-drift.timer')));
  const bad = await provisionInProcess(['schedule', '-i', inv, '--every', '7m', '--print']);
  t.equal(bad.code, 4);
  t.match(bad.stderr, /divisor/);
});
