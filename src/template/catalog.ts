/** Every filter and test by name; the parser checks names against these at load time. */
import { COLLECTION_FILTERS } from './collection-filters.ts';
import { TEXT_FILTERS, type Filter } from './filters.ts';
import { REGEX_FILTERS } from './regex-filters.ts';
import { TESTS, type Test } from './tests.ts';

export const FILTERS: Record<string, Filter> = { ...TEXT_FILTERS, ...COLLECTION_FILTERS, ...REGEX_FILTERS };

/** Filters and tests the evaluator implements itself, because they must see undefined operands. */
export const GUARD_FILTERS = new Set(['default', 'd']);
export const GUARD_TESTS = new Set(['defined', 'undefined']);

export const FILTER_NAMES = new Set([...Object.keys(FILTERS), ...GUARD_FILTERS]);
export const TEST_NAMES = new Set([...Object.keys(TESTS), ...GUARD_TESTS]);
