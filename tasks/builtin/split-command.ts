/**
 * Splits a command line into words the way a POSIX shell (or Python's shlex) would,
 * without expanding anything: `command` runs its words without a shell, so `$HOME`,
 * globs, `;` and `|` stay literal, while quotes still group words as users expect.
 */

export class CommandLineError extends Error {}

const WHITESPACE = /\s/;
// Inside double quotes a backslash only escapes these (POSIX).
const DQ_ESCAPABLE = new Set(['\\', '"', '$', '`', '\n']);

export function splitCommandLine(line: string): string[] {
  const words: string[] = [];
  let word = '';
  let inWord = false;
  let i = 0;
  while (i < line.length) {
    const c = line[i];
    if (WHITESPACE.test(c)) {
      if (inWord) words.push(word);
      word = '';
      inWord = false;
      i++;
    } else if (c === "'") {
      const end = line.indexOf("'", i + 1);
      if (end < 0) throw new CommandLineError(`unterminated single quote in: ${line}`);
      word += line.slice(i + 1, end);
      inWord = true;
      i = end + 1;
    } else if (c === '"') {
      i++;
      inWord = true;
      for (;;) {
        if (i >= line.length) throw new CommandLineError(`unterminated double quote in: ${line}`);
        const d = line[i];
        if (d === '"') break;
        if (d === '\\' && i + 1 < line.length && DQ_ESCAPABLE.has(line[i + 1])) {
          if (line[i + 1] !== '\n') word += line[i + 1];
          i += 2;
        } else {
          word += d;
          i++;
        }
      }
      i++;
    } else if (c === '\\') {
      if (i + 1 >= line.length) throw new CommandLineError(`trailing backslash in: ${line}`);
      // Backslash-newline is a line continuation, not a character.
      if (line[i + 1] !== '\n') {
        word += line[i + 1];
        inWord = true;
      }
      i += 2;
    } else {
      word += c;
      inWord = true;
      i++;
    }
  }
  if (inWord) words.push(word);
  return words;
}
