/**
 * YAML as Ansible reads it: YAML 1.1 through PyYAML's SafeLoader (ansible-core 2.14,
 * lib/ansible/parsing/yaml/loader.py → constructor.py). The yaml library's own 1.1 schema is
 * close but reads more plain scalars as non-strings than PyYAML's resolver
 * (yaml/resolver.py, Resolver.add_implicit_resolver) does; these tags narrow it to PyYAML's:
 *   - booleans are yes/no, true/false, on/off in three casings (never `y`/`n`);
 *   - a decimal integer has no leading zero (`08` is a string, `010` is octal 8);
 *   - an exponent needs a dot and a sign (`1e3` is a string, `1.0e+3` a float);
 *   - timestamps stay strings (Ansible's template output of a date is the same text).
 * `<<` merge keys and sexagesimal numbers (`1:20` is 80) are kept, as PyYAML has them.
 */
import type { ScalarTag, Tags } from 'yaml';

const TRUE = /^(?:yes|Yes|YES|true|True|TRUE|on|On|ON)$/;
const FALSE = /^(?:no|No|NO|false|False|FALSE|off|Off|OFF)$/;
const DECIMAL_INT = /^[-+]?(?:0|[1-9][0-9_]*)$/;
const EXPONENT_FLOAT = /^[-+]?(?:[0-9][0-9_]*\.[0-9_]*|\.[0-9_]+)[eE][-+][0-9]+$/;

const INT_TAG = 'tag:yaml.org,2002:int';
const FLOAT_TAG = 'tag:yaml.org,2002:float';
const BOOL_TAG = 'tag:yaml.org,2002:bool';
const TIMESTAMP_TAG = 'tag:yaml.org,2002:timestamp';

function withTest(tag: ScalarTag, test: RegExp): ScalarTag {
  return { ...tag, test };
}

/** For the yaml library's `customTags`: its YAML 1.1 tags, narrowed to PyYAML's resolver. */
export function pyyamlTags(tags: Tags): Tags {
  return tags.flatMap((entry) => {
    const tag = entry as ScalarTag;
    if (typeof tag !== 'object' || !tag.test) return [entry];
    if (tag.tag === TIMESTAMP_TAG) return [];
    if (tag.tag === BOOL_TAG) return [withTest(tag, tag.identify?.(true) ? TRUE : FALSE)];
    if (tag.tag === INT_TAG && tag.test.source === '^[-+]?[0-9][0-9_]*$') return [withTest(tag, DECIMAL_INT)];
    if (tag.tag === FLOAT_TAG && /\[eE\]/.test(tag.test.source)) return [withTest(tag, EXPONENT_FLOAT)];
    return [entry];
  });
}
