/**
 * become with a sudo password: the password is meant for sudo only. When sudo does not ask
 * for it (NOPASSWD, cached credentials, or root becoming another user) it must not flow on
 * into the command's stdin — where `cat > file` would write it into a file on the host.
 */
import t from 'tap';
import { userInfo } from 'node:os';
import { wrapBecome } from '../../src/connection/become.ts';
import { LocalConnection } from '../../src/connection/local.ts';

const password = 'hunter2-sudo-secret';
const isRoot = userInfo().uid === 0;

t.test('the password is never part of the command line', async (t) => {
  const wrapped = wrapBecome('cat > /tmp/x', { user: 'root', password }, 'payload');
  t.notMatch(wrapped.line, password);
  t.ok(Buffer.isBuffer(wrapped.stdin) && wrapped.stdin.toString().startsWith(`${password}\n`), 'it travels on stdin');
  t.match(wrapped.stdin?.toString(), /payload$/);
});

t.test('when sudo asks for no password, the command sees only its own stdin', { skip: isRoot ? false : 'needs root (sudo asks root for no password)' }, async (t) => {
  const c = new LocalConnection('localhost');
  const become = { user: 'nobody', password };
  const piped = await c.exec('cat', { become, stdin: 'payload\n\x00binary' });
  t.equal(piped.exitCode, 0);
  t.equal(piped.stdout, 'payload\n\x00binary', 'stdin reaches the command unchanged');
  t.notMatch(piped.stdout + piped.stderr, password);
  const alone = await c.exec('cat; id -un', { become });
  t.same(alone, { exitCode: 0, stdout: 'nobody\n', stderr: '' }, 'no stdin given: the command reads nothing, not the password');
  const status = await c.exec('exit 7', { become });
  t.equal(status.exitCode, 7, 'the exit status is the command’s');
});
