/** provision install / provision smoke: the bundled playbooks, with the common flags. */
import { bundledPlaybookCommand } from './bundled-playbook-command.ts';

export const installCommand = bundledPlaybookCommand('install', { smoke: { type: 'boolean' }, 'force-conflicts': { type: 'boolean' } }, (extra) => ({
  playbooks: extra.smoke === true ? ['install', 'smoke'] : ['install'],
  // Take over Multus objects another field manager created (upstream's quick start, Helm).
  ...(extra['force-conflicts'] === true ? { extraVars: { multus_force_conflicts: true } } : {}),
}));

export const smokeCommand = bundledPlaybookCommand('smoke', {}, () => ({ playbooks: ['smoke'] }));
