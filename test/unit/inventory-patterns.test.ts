import t from 'tap';
import { UsageError } from '../../src/errors.ts';
import { parseInventory } from '../../src/inventory/load.ts';
import { selectHosts, splitHostPattern } from '../../src/inventory/patterns.ts';

// Inventory order: web1 web2 db1 db2 node10 node2 lone (the file's order, not sorted).
const inv = parseInventory(
  `all:
  hosts:
    lone:
  children:
    k3s_cluster:
      children:
        server:
          hosts:
            web1:
            db1:
        agent:
          hosts:
            web2:
            db2:
            node10:
            node2:
    web:
      hosts:
        web2:
        web1:
    db:
      hosts:
        db2:
        db1:
`,
  'inv.yaml',
);

// Every expected list below is what ansible-core 2.14 answers for the same inventory and
// pattern (`ansible -i inv.yaml PATTERN --list-hosts`); test/parity checks such cases live.
t.test('inventory hosts are in the order the file creates them', async (t) => {
  t.same(inv.hosts.map((h) => h.name), ['lone', 'web1', 'db1', 'web2', 'db2', 'node10', 'node2']);
});

t.test('all and *', async (t) => {
  // all's own hosts, then ungrouped, its children as listed (k3s_cluster, web, db), then theirs.
  const every = ['lone', 'web2', 'web1', 'db2', 'db1', 'node10', 'node2'];
  t.same(inv.select('all'), every);
  t.same(inv.select('*'), every);
});

t.test('host names and group names', async (t) => {
  t.same(inv.select('db2'), ['db2']);
  t.same(inv.select('web'), ['web2', 'web1'], "a group's hosts in the group's own order");
  t.same(inv.select('k3s_cluster'), ['web1', 'db1', 'web2', 'db2', 'node10', 'node2']);
  t.same(inv.select('ungrouped'), ['lone']);
});

t.test('globs match group and host names', async (t) => {
  t.same(inv.select('node*'), ['node10', 'node2']);
  t.same(inv.select('web?'), ['web1', 'web2']);
  t.same(inv.select('w*'), ['web2', 'web1'], 'matches the group web (its order) and the hosts web1, web2');
  t.same(inv.select('k3s_*'), ['web1', 'db1', 'web2', 'db2', 'node10', 'node2']);
  t.same(inv.select('node[!1]*'), ['node2']);
  t.same(inv.select('db[12]x'), []);
});

t.test('union with : and ,', async (t) => {
  t.same(inv.select('db:web'), ['db2', 'db1', 'web2', 'web1'], 'union in pattern order');
  t.same(inv.select('node2,lone'), ['node2', 'lone']);
  t.same(inv.select(' node2 , lone '), ['node2', 'lone'], 'spaces around terms');
  t.same(inv.select('server:web:server'), ['web1', 'db1', 'web2']);
});

t.test('intersection a:&b', async (t) => {
  t.same(inv.select('agent:&web'), ['web2']);
  t.same(inv.select('k3s_cluster:&db:&server'), ['db1']);
  t.same(inv.select('web,&db'), []);
});

t.test('exclusion a:!b', async (t) => {
  t.same(inv.select('k3s_cluster:!web'), ['db1', 'db2', 'node10', 'node2']);
  t.same(inv.select('all:!k3s_cluster'), ['lone']);
  t.same(inv.select('!k3s_cluster'), ['lone'], 'only exclusions: applied to all');
  t.same(inv.select('&web'), ['web2', 'web1'], 'only intersections: applied to all');
});

t.test('terms apply by kind as in Ansible: unions, then &, then !', async (t) => {
  t.same(inv.select('web:!web1:db'), ['web2', 'db2', 'db1'], 'a later union does not bring back an excluded host');
  t.same(inv.select('!web1:web'), ['web2']);
  t.same(inv.select('&server:k3s_cluster:!db'), ['web1']);
  t.same(inv.select('k3s_cluster:&agent:!db2:!node*'), ['web2']);
});

t.test('subscripts and regular expressions', async (t) => {
  t.same(inv.select('agent[0]'), ['web2']);
  t.same(inv.select('agent[-1]'), ['node2']);
  t.same(inv.select('agent[1:2]'), ['db2', 'node10'], 'ranges include their end');
  t.same(inv.select('agent[2:]'), ['node10', 'node2']);
  t.throws(() => inv.select('agent[9]'), { message: /No hosts matched the subscripted pattern 'agent\[9\]'/ }, 'as Ansible: an index past the end is an error');
  t.same(inv.select('server[0]:agent[0]'), ['web1', 'web2']);
  t.same(inv.select('~(web|db)1'), ['web1', 'db1']);
  t.same(inv.select('~node\\d+$'), ['node10', 'node2']);
  t.throws(() => inv.select('~(unclosed'), UsageError);
});

t.test('no match gives an empty list', async (t) => {
  t.same(inv.select('nosuchhost'), []);
  t.same(inv.select('nosuch*'), []);
  t.same(inv.select(''), []);
  t.same(inv.select('web:&db'), []);
});

t.test('splitting keeps brackets and IPv6 host names whole', async (t) => {
  t.same(splitHostPattern('a:&b:!c[1:2]'), ['a', '&b', '!c[1:2]']);
  t.same(splitHostPattern('a, b:c'), ['a', 'b:c'], 'with a comma, only commas separate');
  t.same(splitHostPattern('web1:22'), ['web1:22'], 'a host and port is one term');
  const scope = { hosts: ['fe80::1', 'n1'], groups: { all: ['fe80::1', 'n1'] } };
  t.same(selectHosts('fe80::1', scope), ['fe80::1']);
  t.same(selectHosts('fe80::1,n1', scope), ['fe80::1', 'n1']);
  t.same(selectHosts('all:!n1', scope), ['fe80::1']);
});

t.test('literal dots and other regex characters in globs', async (t) => {
  const scope = { hosts: ['10.0.0.1', '10x0x0x1', 'a+b'], groups: { all: ['10.0.0.1', '10x0x0x1', 'a+b'] } };
  t.same(selectHosts('10.0.0.*', scope), ['10.0.0.1']);
  t.same(selectHosts('a+*', scope), ['a+b']);
});
