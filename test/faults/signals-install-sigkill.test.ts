/** `provision install` killed (SIGKILL) after the backup, after the apply, in the middle of the re-link (signals-install.ts). */
import t from 'tap';
import { installSignalled, skip } from './signals-install.ts';

t.test('install killed (SIGKILL) at each step', { skip }, (t) => installSignalled(t, 'SIGKILL'));
