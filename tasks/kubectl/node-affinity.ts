/**
 * Would a DaemonSet run a pod on this node? Its template's nodeSelector and required node
 * affinity, matched as the scheduler's helper does (k8s.io/component-helpers
 * scheduling/corev1/nodeaffinity: nodeSelector labels all equal; nodeSelectorTerms ORed,
 * the requirements of one term ANDed; matchFields only on metadata.name). Pure.
 */
import type { KubeObject } from './objects.ts';

interface Requirement {
  key?: string;
  operator?: string;
  values?: string[];
}

interface Term {
  matchExpressions?: Requirement[];
  matchFields?: Requirement[];
}

interface TemplateSpec {
  nodeSelector?: Record<string, string>;
  affinity?: { nodeAffinity?: { requiredDuringSchedulingIgnoredDuringExecution?: { nodeSelectorTerms?: Term[] } } };
}

const templateSpec = (ds: KubeObject): TemplateSpec => ((ds.spec ?? {}) as { template?: { spec?: TemplateSpec } }).template?.spec ?? {};

function requirementHolds(r: Requirement, value: string | undefined): boolean {
  const values = r.values ?? [];
  switch (r.operator) {
    case 'In':
      return value !== undefined && values.includes(value);
    case 'NotIn':
      return value === undefined || !values.includes(value);
    case 'Exists':
      return value !== undefined;
    case 'DoesNotExist':
      return value === undefined;
    case 'Gt':
    case 'Lt': {
      const [bound] = values;
      if (value === undefined || bound === undefined || !/^-?\d+$/.test(value) || !/^-?\d+$/.test(bound)) return false;
      return r.operator === 'Gt' ? Number(value) > Number(bound) : Number(value) < Number(bound);
    }
    default:
      return false;
  }
}

function termHolds(term: Term, node: KubeObject): boolean {
  const labels = node.metadata?.labels ?? {};
  const expressions = term.matchExpressions ?? [];
  const fields = term.matchFields ?? [];
  // An empty term selects no node (nodeaffinity: "a null or empty term matches no objects").
  if (expressions.length === 0 && fields.length === 0) return false;
  return (
    expressions.every((r) => requirementHolds(r, r.key === undefined ? undefined : labels[r.key])) &&
    fields.every((r) => r.key === 'metadata.name' && requirementHolds(r, node.metadata?.name))
  );
}

/** The DaemonSet's pod template may be scheduled on `node`. */
export function nodeSelectedBy(ds: KubeObject, node: KubeObject): boolean {
  const spec = templateSpec(ds);
  const labels = node.metadata?.labels ?? {};
  if (!Object.entries(spec.nodeSelector ?? {}).every(([k, v]) => labels[k] === v)) return false;
  const terms = spec.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms;
  if (terms === undefined) return true;
  return terms.some((term) => termHolds(term, node));
}
