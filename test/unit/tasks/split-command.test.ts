import t from 'tap';
import { CommandLineError, splitCommandLine } from '../../../tasks/builtin/split-command.ts';

t.test('splits like a POSIX shell without expanding anything', async (t) => {
  t.same(splitCommandLine('k3s  --version'), ['k3s', '--version']);
  t.same(splitCommandLine(`echo 'a b' "c d" e\\ f`), ['echo', 'a b', 'c d', 'e f']);
  t.same(splitCommandLine(`echo $HOME "$(id)" '*' ; | >x`), ['echo', '$HOME', '$(id)', '*', ';', '|', '>x']);
  t.same(splitCommandLine(`printf "%s" "say \\"hi\\" \\$x \\n"`), ['printf', '%s', 'say "hi" $x \\n']);
  t.same(splitCommandLine(`a'b'"c"d`), ['abcd'], 'adjacent quoted parts join one word');
  t.same(splitCommandLine(`x '' ""`), ['x', '', ''], 'empty quotes are empty words');
  t.same(splitCommandLine('a \\\nb'), ['a', 'b'], 'backslash-newline continues the line');
  t.same(splitCommandLine('  '), []);
});

t.test('unbalanced quoting is refused', async (t) => {
  let error: unknown;
  try {
    splitCommandLine(`echo 'open`);
  } catch (e) {
    error = e;
  }
  t.ok(error instanceof CommandLineError, 'a CommandLineError');
  t.match(error, { message: /unterminated single quote/ });
  t.throws(() => splitCommandLine(`echo "open`), /unterminated double quote/);
  t.throws(() => splitCommandLine('echo \\'), /trailing backslash/);
});
