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

t.test('inventory order is the order of first appearance', async (t) => {
  t.same(inv.hosts.map((h) => h.name), ['lone', 'web1', 'db1', 'web2', 'db2', 'node10', 'node2']);
});

t.test('all and *', async (t) => {
  const every = ['lone', 'web1', 'db1', 'web2', 'db2', 'node10', 'node2'];
  t.same(inv.select('all'), every);
  t.same(inv.select('*'), every);
});

t.test('host names and group names', async (t) => {
  t.same(inv.select('db2'), ['db2']);
  t.same(inv.select('web'), ['web1', 'web2'], 'group members in inventory order, not group order');
  t.same(inv.select('k3s_cluster'), ['web1', 'db1', 'web2', 'db2', 'node10', 'node2']);
  t.same(inv.select('ungrouped'), ['lone']);
});

t.test('globs match group and host names', async (t) => {
  t.same(inv.select('node*'), ['node10', 'node2']);
  t.same(inv.select('web?'), ['web1', 'web2']);
  t.same(inv.select('w*'), ['web1', 'web2'], 'matches the group web and the hosts web1, web2');
  t.same(inv.select('k3s_*'), ['web1', 'db1', 'web2', 'db2', 'node10', 'node2']);
  t.same(inv.select('node[!1]*'), ['node2']);
  t.same(inv.select('db[12]x'), []);
});

t.test('union with : and ,', async (t) => {
  t.same(inv.select('db:web'), ['web1', 'db1', 'web2', 'db2'], 'union in inventory order');
  t.same(inv.select('node2,lone'), ['lone', 'node2']);
  t.same(inv.select(' node2 , lone '), ['lone', 'node2'], 'spaces around terms');
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
  t.same(inv.select('&web'), ['web1', 'web2'], 'only intersections: applied to all');
});

t.test('terms apply by kind as in Ansible: unions, then &, then !', async (t) => {
  t.same(inv.select('web:!web1:db'), ['db1', 'web2', 'db2'], 'a later union does not bring back an excluded host');
  t.same(inv.select('!web1:web'), ['web2']);
  t.same(inv.select('&server:k3s_cluster:!db'), ['web1']);
  t.same(inv.select('k3s_cluster:&agent:!db2:!node*'), ['web2']);
});

t.test('subscripts and regular expressions', async (t) => {
  t.same(inv.select('agent[0]'), ['web2']);
  t.same(inv.select('agent[-1]'), ['node2']);
  t.same(inv.select('agent[1:2]'), ['db2', 'node10'], 'ranges include their end');
  t.same(inv.select('agent[2:]'), ['node10', 'node2']);
  t.same(inv.select('agent[:0]'), ['web2']);
  t.same(inv.select('agent[9]'), []);
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
  t.same(splitHostPattern('a, b:c'), ['a', 'b', 'c']);
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
