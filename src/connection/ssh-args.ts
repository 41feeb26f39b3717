/**
 * The extra `ssh` arguments Ansible users write (`ansible_ssh_common_args`,
 * `ansible_ssh_extra_args`, ansible.cfg's `ssh_args`), split as Ansible splits them
 * (Python's shlex, here the `shlex` package) and read for what provision can honour:
 * `-o Keyword=value`, `-F file` and `-J hops`. Any other flag is reported, not dropped.
 */
import { split } from 'shlex';

export interface SshArgOption {
  /** Lower-case keyword, as in ssh_config. */
  keyword: string;
  value: string;
  /** Where it was written, e.g. `node1: ansible_ssh_common_args`. */
  source: string;
}

export interface SshArgs {
  options: SshArgOption[];
  configFile?: { path: string; source: string };
  /** Flags and words provision does not act on, for a warning. */
  ignored: { arg: string; source: string }[];
}

export function parseSshArgs(text: string, source: string): SshArgs {
  let words: string[];
  try {
    words = split(text);
  } catch (err) {
    throw new Error(`${source}: cannot split ${JSON.stringify(text)}: ${(err as Error).message}`);
  }
  const out: SshArgs = { options: [], ignored: [] };
  for (let i = 0; i < words.length; i++) {
    const word = words[i];
    // ssh takes `-oKey=value` as well as `-o Key=value`.
    const flag = /^-([oFJ])(.*)$/.exec(word);
    if (!flag) {
      out.ignored.push({ arg: word, source });
      continue;
    }
    const value = flag[2] !== '' ? flag[2] : words[++i];
    if (value === undefined) throw new Error(`${source}: ${word} needs a value`);
    if (flag[1] === 'F') out.configFile = { path: value, source };
    else if (flag[1] === 'J') out.options.push({ keyword: 'proxyjump', value, source });
    else {
      const m = /^\s*([A-Za-z]+)\s*(?:=|\s)\s*(.*)$/s.exec(value);
      if (!m) throw new Error(`${source}: -o ${value}: expected Keyword=value`);
      out.options.push({ keyword: m[1].toLowerCase(), value: m[2], source });
    }
  }
  return out;
}

/** Several argument strings in order; for each keyword the first one wins, as ssh takes `-o`. */
export function mergeSshArgs(parts: SshArgs[]): SshArgs {
  const options: SshArgOption[] = [];
  for (const o of parts.flatMap((p) => p.options)) if (!options.some((x) => x.keyword === o.keyword)) options.push(o);
  const configFile = parts.find((p) => p.configFile)?.configFile;
  return { options, ...(configFile ? { configFile } : {}), ignored: parts.flatMap((p) => p.ignored) };
}
