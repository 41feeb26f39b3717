/** How file content appears in a diff: text as is, binary and very large files summarised. */

export const DIFF_LIMIT = 64 * 1024;

export function contentForDiff(content: Buffer | string, totalSize?: number): string {
  const buf = typeof content === 'string' ? Buffer.from(content) : content;
  const size = totalSize ?? buf.length;
  if (buf.includes(0)) return `(binary content, ${size} bytes)\n`;
  if (size > DIFF_LIMIT || buf.length > DIFF_LIMIT) {
    return `${buf.subarray(0, DIFF_LIMIT).toString('utf8')}\n… (truncated, ${size} bytes in total)\n`;
  }
  return buf.toString('utf8');
}
