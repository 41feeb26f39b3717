/**
 * Shell and python3 text shared by the probes that look at Multus's files and ask the
 * daemon on its unix socket (multus_verify's and drift's). They differ in the request they
 * send; the way the answer is read is the same.
 */
import { sh } from '../../src/connection/quote.ts';

/**
 * A python3 program that connects to the unix socket argv[1], sends `request` (a Python
 * bytes expression, which may use sys.argv) and prints the HTTP status code, or 000.
 */
export function pythonHttpStatus(request: string): string {
  return [
    'import socket, sys',
    's = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)',
    's.settimeout(5)',
    's.connect(sys.argv[1])',
    `s.sendall(${request})`,
    'd = b""',
    'while b"\\r\\n" not in d:',
    '    c = s.recv(256)',
    '    if not c: break',
    '    d += c',
    'print(d.split(b" ")[1].decode() if d.startswith(b"HTTP/") else "000")',
  ].join('\n');
}

/**
 * Shell lines that print `plugin <name> <symlink|file|other|missing> <yes|no>` (executable)
 * for each of `names` in "$bindir", each line prefixed by `indent`.
 */
export function pluginLines(names: string[], indent = ''): string[] {
  return [
    sh`for n in ${names}; do`,
    '  p=$bindir/$n',
    '  if [ -L "$p" ]; then k=symlink; elif [ -f "$p" ]; then k=file; elif [ -e "$p" ]; then k=other; else k=missing; fi',
    '  if [ -f "$p" ] && [ -x "$p" ]; then x=yes; else x=no; fi',
    '  echo "plugin $n $k $x"',
    'done',
  ].map((l) => indent + l);
}
