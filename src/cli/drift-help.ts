/** Usage text of drift and schedule (their exit codes differ from a playbook run's). */

export const DRIFT_EXIT_CODES = `Exit codes:
  0    in sync
  1    a check could not run (a node or the cluster could not be read)
  2    drift found (with --fix: something remains, named in the output)
  3    a host was unreachable and nothing else is wrong
  4    invalid input (usage, inventory): nothing was contacted
  5    another run (drift, drift --fix or install) holds the lock for this inventory, or
       (--fix) another run holds a drifted node's lock
  130  interrupted`;

export const DRIFT_HELP: Record<'drift' | 'schedule', string> = {
  drift: `Usage: provision drift [-i INVENTORY] [--fix] [--quiet] [--json] [--textfile DIR] [options]

Check every K3s node of the inventory against what 'provision install' left there
(playbooks/drift.yaml), read-only: one command per node, one kubectl read of the cluster.
Per node it checks K3s's plugin links (host-local first) and multicall binary, multus-shim,
passthru and the extra plugins, 00-multus.conf, the Flannel conflist, the daemon's socket
and /healthz; in the cluster, each DaemonSet install applied (label
app.kubernetes.io/managed-by=provision): present, ready on every inventory node, running
the configured image. Cluster nodes that are not in the inventory are listed, not drift.

The output is a table per node of every path install touches (new / overwritten /
unchanged / missing), then the items: host, kind, path, expected, found, severity.

  --fix              run install's converging steps on the drifted nodes only (back up after
                     a K3s upgrade, remove a stale 00-multus.conf while no daemon answers,
                     restart that node's Multus pod, re-link K3s's names), then check again
  -q, --quiet        print nothing when everything is in sync (for cron)
      --json         one JSON document: per host items, paths and time; summary; exit code
      --textfile DIR write DIR/provision_multus.prom for node_exporter's textfile collector
  -i, --inventory FILE, -l, --limit PATTERN, -e, --extra-vars VARS, -f, --forks N,
      --host-key-checking M, --known-hosts FILE: as for every command
  -h, --help         this help`,
  schedule: `Usage: provision schedule -i INVENTORY --every 15m [--fix] [--textfile DIR] [--print] [--systemd] [--remove]

Run 'provision drift --quiet' on the inventory from cron: writes /etc/cron.d/provision-drift
(absolute paths of node, the CLI and the inventory; output appended to --log and mailed by
cron only when there is news). --every takes a divisor of an hour or a day: 1m … 30m, 1h … 24h.

  --print            print the file instead of writing it
  --systemd          a provision-drift.service + provision-drift.timer pair in /etc/systemd/system
  --remove           take the cron file (with --systemd: the unit pair) away
  --fix              the scheduled run repairs what it can (provision drift --fix)
  --textfile DIR     the scheduled run writes DIR/provision_multus.prom
  --log FILE         default /var/log/provision-drift.log
  --cron-file FILE   default /etc/cron.d/provision-drift
  --systemd-dir DIR  default /etc/systemd/system`,
};
