/**
 * Variable scopes per host across the whole run: inventory vars, the current play's vars,
 * facts set or registered by earlier tasks (they outlive the play, as in Ansible), task
 * vars and extra vars — plus the magic variables (inventory_hostname, groups, hostvars…).
 */
import type { Inventory } from '../inventory/types.ts';
import type { Play, TaskSpec } from '../playbook/types.ts';
import { groupNames, shortHostname } from '../inventory/magic-vars.ts';
import { isImplicitLocalhost } from './implicit-localhost.ts';
import { buildScope, dataLayer, lazyRecord, type Vars } from './scope.ts';

export interface RunFlags {
  check: boolean;
  diff: boolean;
  playbookDir: string;
}

export class HostScopes {
  private readonly facts = new Map<string, Vars>();
  private play: Play | undefined;
  private batch: () => string[] = () => [];

  constructor(
    private readonly inventory: Inventory,
    private readonly extraVars: Vars,
    private readonly flags: RunFlags,
    private readonly defaults: Vars = {},
  ) {}

  /**
   * `activeInBatch` gives the batch's hosts that have not failed and are not unreachable:
   * as in Ansible, `ansible_play_batch` lists only those, so a task that acts for the whole
   * batch (a DaemonSet pinned to its nodes) leaves out a host that was not backed up.
   */
  startPlay(play: Play, activeInBatch: () => string[]): void {
    this.play = play;
    this.batch = activeInBatch;
  }

  setFact(host: string, name: string, value: unknown): void {
    const facts = this.facts.get(host) ?? dataLayer({});
    facts[name] = value;
    this.facts.set(host, facts);
  }

  allFacts(): Record<string, Vars> {
    return Object.fromEntries(this.facts);
  }

  /** What `task` sees on `host`. */
  taskScope(host: string, task?: TaskSpec): Vars {
    return buildScope(
      [this.defaults, this.inventory.host(host)?.vars ?? {}, this.play?.vars ?? {}, this.facts.get(host) ?? dataLayer({}), task?.vars ?? {}, this.extraVars],
      this.magic(host),
    );
  }

  /** Variables of a delegate target; the implicit localhost connects locally, as in Ansible. */
  connectionScope(host: string, task?: TaskSpec): Vars {
    if (!this.inventory.host(host) && isImplicitLocalhost(host)) return { ansible_connection: 'local' };
    return this.taskScope(host, task);
  }

  private magic(host: string): Vars {
    const groups = this.inventory.host(host)?.groups ?? [];
    // ansible-core 2.14 lib/ansible/inventory/host.py, get_magic_vars: group_names sorted,
    // every group but `all` (ungrouped included); the short name of an IP is the whole IP.
    const playHosts = this.play ? this.inventory.select(this.play.hosts) : [];
    return {
      inventory_hostname: host,
      inventory_hostname_short: shortHostname(host),
      group_names: groupNames(groups),
      groups: this.inventory.groups,
      hostvars: lazyRecord(
        this.inventory.hosts.map((h) => h.name),
        (name) => this.taskScope(name),
      ),
      ansible_check_mode: this.flags.check,
      ansible_diff_mode: this.flags.diff,
      ansible_play_hosts: playHosts,
      ansible_play_batch: this.batch(),
      play_hosts: this.batch(),
      playbook_dir: this.flags.playbookDir,
    };
  }
}
