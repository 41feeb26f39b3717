import t from 'tap';
import { parseInventory } from '../../src/inventory/load.ts';

const load = (text: string) => parseInventory(text, 'inv.yaml');

t.test('all < parent group < child group < host', async (t) => {
  const inv = load(`all:
  vars: { level: all, from_all: 1, only_all: a }
  children:
    k3s_cluster:
      vars: { level: parent, from_parent: 1 }
      children:
        server:
          vars: { level: child, from_child: 1 }
          hosts:
            s1:
              level: host
            s2:
`);
  t.same(inv.host('s1')!.vars, { level: 'host', from_all: 1, only_all: 'a', from_parent: 1, from_child: 1 });
  t.equal(inv.host('s2')!.vars.level, 'child');
});

t.test('precedence follows depth, not the order groups appear in the file', async (t) => {
  // The child group's vars come first in the file; it still wins over its parent.
  const inv = load(`server:
  vars: { level: child }
  hosts:
    s1:
k3s_cluster:
  vars: { level: parent }
  children:
    server:
`);
  t.equal(inv.host('s1')!.vars.level, 'child');
});

t.test('groups at the same depth merge alphabetically: the later name wins', async (t) => {
  const inv = load(`all:
  children:
    zeta:
      vars: { colour: zeta, z: 1 }
      hosts: { n1: }
    alpha:
      vars: { colour: alpha, a: 1 }
      hosts: { n1: }
    mid:
      vars: { colour: mid }
      hosts: { n1: }
`);
  t.same(inv.host('n1')!.vars, { colour: 'zeta', a: 1, z: 1 });
  t.same(inv.host('n1')!.groups, ['all', 'alpha', 'mid', 'zeta'], 'groups listed in precedence order');
});

t.test('a deeper group beats a shallower one whatever their names', async (t) => {
  const inv = load(`all:
  children:
    zz_flat:
      vars: { colour: flat }
      hosts: { n1: }
    aa_parent:
      children:
        aa_child:
          vars: { colour: deep }
          hosts: { n1: }
`);
  t.equal(inv.host('n1')!.vars.colour, 'deep');
});

t.test('ansible_group_priority: higher wins among groups of the same depth', async (t) => {
  const inv = load(`all:
  children:
    alpha:
      vars: { colour: alpha, ansible_group_priority: 10 }
      hosts: { n1: }
    zeta:
      vars: { colour: zeta }
      hosts: { n1: }
    beta:
      vars: { colour: beta, ansible_group_priority: 5 }
      hosts: { n2: }
    gamma:
      vars: { colour: gamma }
      hosts: { n2: }
`);
  t.equal(inv.host('n1')!.vars.colour, 'alpha', 'priority 10 beats the default 1 of a later name');
  t.equal(inv.host('n2')!.vars.colour, 'beta');
  t.notOk('ansible_group_priority' in inv.host('n1')!.vars, 'the priority is not a host variable');
  t.same(inv.host('n1')!.groups, ['all', 'zeta', 'alpha']);
});

t.test('ansible_group_priority does not lift a group above a deeper one', async (t) => {
  const inv = load(`all:
  children:
    flat:
      vars: { colour: flat, ansible_group_priority: 100 }
      hosts: { n1: }
    parent:
      children:
        child:
          vars: { colour: child }
          hosts: { n1: }
`);
  t.equal(inv.host('n1')!.vars.colour, 'child');
});

t.test('a group reached by two paths takes its longest depth', async (t) => {
  // "shared" sits at depth 1 (under all) and depth 2 (under outer); as in Ansible the deeper
  // one counts, so it beats zother (depth 1) even though zother sorts later by name.
  const inv = load(`all:
  children:
    shared:
      vars: { colour: shared }
    zother:
      vars: { colour: zother }
      hosts: { n1: }
    outer:
      children:
        shared:
          hosts: { n1: }
`);
  t.equal(inv.host('n1')!.vars.colour, 'shared');
});

t.test('merging is shallow: a mapping value is replaced, not merged', async (t) => {
  const inv = load(`all:
  vars:
    multus: { version: v4.2.4, log_level: debug }
  hosts:
    n1:
      multus: { version: v4.3.0 }
`);
  t.same(inv.host('n1')!.vars.multus, { version: 'v4.3.0' });
});
