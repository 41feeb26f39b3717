/** provision rollback: the bundled rollback playbook; --force and --purge set its switches. */
import { bundledPlaybookCommand } from './bundled-playbook-command.ts';

export const rollbackCommand = bundledPlaybookCommand('rollback', { force: { type: 'boolean' }, purge: { type: 'boolean' } }, (extra) => ({
  playbooks: ['rollback'],
  extraVars: { ...(extra.force === true ? { rollback_force: true } : {}), ...(extra.purge === true ? { rollback_purge: true } : {}) },
}));
