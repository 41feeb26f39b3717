/**
 * --tags / --skip-tags with Ansible's special tags: `always` runs unless skipped by name,
 * `never` runs only when asked for by name.
 */
export interface TagFilter {
  tags?: string[];
  skipTags?: string[];
}

export function taskSelected(taskTags: string[], filter: TagFilter): boolean {
  const tags = new Set(taskTags);
  if (filter.skipTags?.some((t) => tags.has(t))) return false;
  if (tags.has('never') && !filter.tags?.some((t) => t !== 'all' && tags.has(t))) return false;
  if (!filter.tags || filter.tags.length === 0 || filter.tags.includes('all')) return true;
  if (tags.has('always')) return true;
  if (filter.tags.includes('tagged') && tags.size > 0) return true;
  if (filter.tags.includes('untagged') && tags.size === 0) return true;
  return filter.tags.some((t) => tags.has(t));
}
