/**
 * drift's textfile meets Debian's real Prometheus tools, and `provision schedule` meets
 * Debian's real cron: `promtool check metrics` accepts the file, a real
 * prometheus-node-exporter started here (loopback, its textfile collector on the directory)
 * serves its lines, and a cron daemon started here runs the scheduled drift, whose
 * textfile then appears. Every process is ended by its pid.
 */
import t from 'tap';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { labSupport } from './lab.ts';
import { startCluster } from './cluster.ts';
import { REPO_ROOT, runInProcess } from '../helpers/run-provision.ts';
import { provisionInProcess, textfile } from '../helpers/drift-lab.ts';

const support = labSupport();
const tools = ['promtool', 'prometheus-node-exporter', 'cron'].filter((c) => spawnSync('sh', ['-c', `command -v ${c}`]).status !== 0);
const skip = !support.ok ? `lab not supported on this machine: ${support.reason}` : tools.length ? `missing ${tools.join(', ')} (npm run setup installs them)` : false;

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

/** Resolves once `check` holds, looking again whenever `ms` passes (no upper bound: the test's own timeout is the bound). */
function until(check: () => boolean | Promise<boolean>, ms = 200): Promise<void> {
  return new Promise((resolve) => {
    const look = async () => ((await check()) ? resolve() : setTimeout(look, ms));
    void look();
  });
}

function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    child.once('exit', () => resolve());
    if (child.pid) process.kill(child.pid, 'SIGTERM');
  });
}

t.test('drift textfile, node_exporter and cron', { skip }, async (t) => {
  process.env.KUBECACHEDIR = t.testdir();
  const cluster = await startCluster({ nodes: 3, podStartDelayMs: 50 });
  t.teardown(() => cluster.stop());
  const inv = cluster.inventoryFile;
  const install = await runInProcess(inv, join(REPO_ROOT, 'playbooks/install.yaml'));
  t.equal(install.summary.exitCode, 0, JSON.stringify(install.summary.failures));
  await cluster.lab.exec('node2', 'rm /var/lib/rancher/k3s/data/cni/multus-shim');
  const dir = mkdtempSync(join(tmpdir(), 'provision-textfile-'));

  await t.test('promtool check metrics accepts the textfile', async (t) => {
    const run = await provisionInProcess(['drift', '-i', inv, '--textfile', dir]);
    t.equal(run.code, 2);
    const text = textfile(dir);
    t.match(text, /^provision_multus_drift_items\{host="node2",kind="plugin_missing",severity="error"\} 1$/m);
    const check = spawnSync('promtool', ['check', 'metrics'], { input: text, encoding: 'utf8' });
    t.equal(check.status, 0, `promtool: ${check.stdout}${check.stderr}`);
    t.equal(check.stdout + check.stderr, '', 'no lint findings');
  });

  await t.test('node_exporter serves the textfile', async (t) => {
    const port = await freePort();
    const exporter = spawn('prometheus-node-exporter', [`--web.listen-address=127.0.0.1:${port}`, '--collector.disable-defaults', '--collector.textfile', `--collector.textfile.directory=${dir}`], { stdio: 'ignore' });
    t.teardown(() => stopChild(exporter));
    let body = '';
    await until(async () => {
      body = await fetch(`http://127.0.0.1:${port}/metrics`).then((r) => r.text(), () => '');
      return body.includes('node_textfile_scrape_error');
    });
    t.match(body, /^node_textfile_scrape_error 0$/m, 'the collector read the file without error');
    t.match(body, /^provision_multus_drift_items\{host="node2",kind="plugin_missing",severity="error"\} 1$/m);
    t.match(body, /^provision_multus_host_in_sync\{host="node1"\} 1$/m);
    t.match(body, /^provision_multus_last_run_success 1$/m);
    t.match(body, /^provision_multus_last_run_timestamp_seconds \d/m);
  });

  await t.test('cron runs the scheduled drift', async (t) => {
    const cronDir = mkdtempSync(join(tmpdir(), 'provision-cron-'));
    // Debian's cron reads /etc/cron.d only; the file gets its own name and is removed afterwards.
    const cronFile = `/etc/cron.d/provision-drift-test-${process.pid}`;
    t.teardown(() => rmSync(cronFile, { force: true }));
    const log = join(cronDir, 'drift.log');
    const wrote = await provisionInProcess(['schedule', '-i', inv, '--every', '1m', '--textfile', cronDir, '--log', log, '--cron-file', cronFile]);
    t.equal(wrote.code, 0, wrote.stderr);
    t.match(readFileSync(cronFile, 'utf8'), /^\* \* \* \* \* root \/\S+\/node \/\S+\/bin\/provision\.js drift -i \S+ --quiet --textfile \S+ 2>&1 \| tee -a \S+drift\.log$/m);
    t.equal(statSync(cronFile).mode & 0o777, 0o644, 'cron reads only files nobody else may write');
    const cron = spawn('cron', ['-f'], { stdio: 'ignore' });
    t.teardown(() => stopChild(cron));
    const prom = join(cronDir, 'provision_multus.prom');
    await until(() => existsSync(prom) || cron.exitCode !== null, 500);
    t.equal(cron.exitCode, null, 'cron keeps running');
    t.match(readFileSync(prom, 'utf8'), /^provision_multus_drift_items\{host="node2",kind="plugin_missing",severity="error"\} 1$/m, 'the scheduled run wrote its textfile');
    await until(() => existsSync(log) && readFileSync(log, 'utf8').includes('plugin_missing'), 200);
    t.match(readFileSync(log, 'utf8'), /node2  plugin_missing  error/, 'and its report went to the log');
    t.equal((await provisionInProcess(['schedule', '--remove', '--cron-file', cronFile])).code, 0);
    t.notOk(existsSync(cronFile));
  });
});
