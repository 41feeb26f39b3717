/** provision install / provision smoke: the bundled playbooks, with the common flags. */
import { bundledPlaybookCommand } from './bundled-playbook-command.ts';

export const installCommand = bundledPlaybookCommand('install', { smoke: { type: 'boolean' } }, (extra) => ({
  playbooks: extra.smoke === true ? ['install', 'smoke'] : ['install'],
}));

export const smokeCommand = bundledPlaybookCommand('smoke', {}, () => ({ playbooks: ['smoke'] }));
