/**
 * The DaemonSet controller and kubelets for the Multus DaemonSet, simulated: one pod per
 * lab node, created node by node with a delay (so waiters see "ready 1/3 … 3/3"), replaced
 * on every spec change within the rolling update's maxUnavailable, torn down node by node
 * when the DaemonSet is deleted, and
 * replaced when a client deletes one of its pods. One queue runs all of it in order.
 */
import type { ObjectStore } from '../kube-api/store.ts';
import type { KubeObject, WatchEvent } from '../kube-api/types.ts';
import { daemonSetPod, daemonSetStatus, podStatus } from './pod-objects.ts';
import { runDaemonPod, type NodeKnobs, type PodOutcome, type SimNode } from './node-runtime.ts';

export interface DaemonSetControllerOptions {
  store: ObjectStore;
  nodes: SimNode[];
  knobs(node: string): NodeKnobs;
  /** Time each node's pod takes to come up (and to go away). */
  delayMs: number;
  log(line: string): void;
  /** After any pod came up or went away (attachments may now succeed or fail). */
  onChange(): void;
}

interface Slot {
  podName?: string;
  generation?: number;
  outcome?: PodOutcome;
}

interface DaemonSetState {
  uid: string;
  queuedGeneration?: number;
  slots: Map<string, Slot>;
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** kube-system/kube-multus-ds, or any DaemonSet whose pod template runs a Multus image. */
export function isMultusDaemonSet(ds: KubeObject): boolean {
  if (ds.kind !== 'DaemonSet') return false;
  if (ds.metadata.namespace === 'kube-system' && ds.metadata.name === 'kube-multus-ds') return true;
  const spec = ds.spec as { template?: { spec?: { containers?: Array<{ image?: string }> } } } | undefined;
  return (spec?.template?.spec?.containers ?? []).some((c) => /multus/.test(c.image ?? ''));
}

/**
 * The nodes a DaemonSet's pods may run on: its template's required node affinity, as the
 * DaemonSet controller reads it (pkg/controller/daemon: NodeShouldRunDaemonPod checks the
 * pod's node affinity). Only `In`/`NotIn` on `kubernetes.io/hostname` (the node's name
 * here) are modelled; any other term matches nothing, so an unmodelled spec shows up.
 */
export function eligibleNodes(ds: KubeObject, nodes: SimNode[]): SimNode[] {
  type Expr = { key?: string; operator?: string; values?: string[] };
  const spec = ds.spec as { template?: { spec?: { affinity?: { nodeAffinity?: { requiredDuringSchedulingIgnoredDuringExecution?: { nodeSelectorTerms?: Array<{ matchExpressions?: Expr[] }> } } } } } };
  const terms = spec.template?.spec?.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms;
  if (!terms) return nodes;
  const matches = (node: SimNode, e: Expr) =>
    e.key === 'kubernetes.io/hostname' && (e.operator === 'In' ? (e.values ?? []).includes(node.name) : e.operator === 'NotIn' ? !(e.values ?? []).includes(node.name) : false);
  // Terms are ORed, the expressions of one term ANDed.
  return nodes.filter((node) => terms.some((t) => (t.matchExpressions ?? []).every((e) => matches(node, e))));
}

/**
 * The DaemonSet's update strategy with the API server's defaults (pkg/apis/apps/v1
 * defaults.go SetDefaults_DaemonSet: RollingUpdate, maxUnavailable 1, maxSurge 0); a
 * percentage is of the nodes that should run the pod, rounded up, at least 1 when the
 * surge is 0 (update.go updatedDesiredNodeCounts, intstr.GetScaledValueFromIntOrPercent).
 */
export function updateStrategyOf(ds: KubeObject, desired: number): { type: 'RollingUpdate' | 'OnDelete'; maxUnavailable: number } {
  const strategy = (ds.spec as { updateStrategy?: { type?: string; rollingUpdate?: { maxUnavailable?: number | string } } } | undefined)?.updateStrategy;
  if (strategy?.type === 'OnDelete') return { type: 'OnDelete', maxUnavailable: 0 };
  const raw = strategy?.rollingUpdate?.maxUnavailable ?? 1;
  const scaled = typeof raw === 'string' && /^\d+%$/.test(raw) ? Math.ceil((Number(raw.slice(0, -1)) * desired) / 100) : Number(raw);
  return { type: 'RollingUpdate', maxUnavailable: Number.isFinite(scaled) && scaled > 0 ? scaled : 1 };
}

const keyOf = (o: KubeObject) => `${o.metadata.namespace ?? 'default'}/${o.metadata.name ?? ''}`;

export class DaemonSetController {
  private readonly states = new Map<string, DaemonSetState>();
  private queue: Promise<void> = Promise.resolve();
  private readonly options: DaemonSetControllerOptions;
  private stopped = false;

  constructor(options: DaemonSetControllerOptions) {
    this.options = options;
  }

  /** Run `task` after everything queued before it; failures are logged, never thrown. */
  enqueue(task: () => Promise<void>): Promise<void> {
    const next = this.queue.then(task).catch((e: unknown) => this.options.log(`kubelet-sim: ${(e as Error).stack ?? String(e)}`));
    this.queue = next;
    return next;
  }

  /** Daemons still between "socket open" and "00-multus.conf written", and probes not yet passed. */
  private readonly starting = new Set<Promise<unknown>>();

  /** Resolves once nothing is queued any more and every started daemon finished starting. */
  async idle(): Promise<void> {
    let seen: Promise<void>;
    do {
      seen = this.queue;
      await seen;
      await Promise.all([...this.starting]);
    } while (seen !== this.queue);
  }

  private track(p: Promise<unknown>): void {
    this.starting.add(p);
    void p.finally(() => this.starting.delete(p));
  }

  onEvent(event: WatchEvent): void {
    const ds = event.object;
    if (this.stopped || event.type === 'DELETED' || !isMultusDaemonSet(ds) || ds.metadata.deletionTimestamp) return;
    const key = keyOf(ds);
    let state = this.states.get(key);
    if (!state || state.uid !== ds.metadata.uid) {
      state = { uid: ds.metadata.uid ?? '', slots: new Map() };
      this.states.set(key, state);
    }
    const generation = ds.metadata.generation ?? 1;
    if (state.queuedGeneration === generation) return;
    state.queuedGeneration = generation;
    void this.enqueue(() => this.roll(key, generation));
  }

  /** A client deletes a DaemonSet or one of its pods: hold it until the node side is done. */
  onDeleted(object: KubeObject): Promise<void> | undefined {
    if (object.kind === 'DaemonSet' && this.states.has(keyOf(object))) return this.enqueue(() => this.teardown(object));
    if (object.kind !== 'Pod') return undefined;
    for (const [key, state] of this.states) {
      for (const [nodeName, slot] of state.slots) {
        if (slot.podName !== object.metadata.name || !key.startsWith(`${object.metadata.namespace}/`)) continue;
        const node = this.node(nodeName);
        return this.stopSlot(key, slot, node).then(() => {
          state.slots.delete(nodeName);
          this.options.onChange();
          // The controller notices the missing pod and makes a new one.
          void this.enqueue(async () => {
            await sleep(this.options.delayMs);
            const ds = this.current(key);
            if (ds && !ds.metadata.deletionTimestamp && !state.slots.has(nodeName)) await this.startSlot(ds, state, node);
          });
        });
      }
    }
    return undefined;
  }

  /** The Multus pod outcome on a node (the first Multus DaemonSet that has one). */
  podOn(node: string): PodOutcome | undefined {
    for (const state of this.states.values()) {
      const slot = state.slots.get(node);
      if (slot?.outcome) return slot.outcome;
    }
    return undefined;
  }

  /** Stop every simulated daemon (the cluster is going away; files no longer matter). */
  async stop(): Promise<void> {
    this.stopped = true;
    await this.idle();
    for (const state of this.states.values()) {
      for (const slot of state.slots.values()) await slot.outcome?.daemon?.stop('SIGTERM');
    }
  }

  private node(name: string): SimNode {
    const node = this.options.nodes.find((n) => n.name === name);
    if (!node) throw new Error(`no lab node ${name}`);
    return node;
  }

  private current(key: string): KubeObject | undefined {
    const [namespace, name] = key.split('/');
    return this.options.store.get('apps/v1', 'DaemonSet', namespace, name);
  }

  private async roll(key: string, generation: number): Promise<void> {
    let ds = this.current(key);
    const state = this.states.get(key);
    if (!ds || !state || ds.metadata.deletionTimestamp || ds.metadata.generation !== generation) return;
    this.writeStatus(ds, state); // observedGeneration first, as the controller does
    const eligible = eligibleNodes(ds, this.options.nodes);
    // A node the DaemonSet no longer selects loses its pod.
    for (const node of this.options.nodes) {
      const slot = state.slots.get(node.name);
      if (eligible.includes(node) || !slot) continue;
      await this.stopSlot(key, slot, node);
      state.slots.delete(node.name);
      this.options.onChange();
    }
    // The manage loop creates the missing pods; the update strategy does not hold them back.
    for (const node of eligible) {
      if (state.slots.has(node.name)) continue;
      await sleep(this.options.delayMs);
      ds = this.current(key);
      if (this.stopped || !ds || ds.metadata.deletionTimestamp || ds.metadata.generation !== generation) return;
      await this.startSlot(ds, state, node);
    }
    await this.replaceOld(key, generation);
  }

  /**
   * Old pods are replaced as pkg/controller/daemon/update.go's rollingUpdate does without
   * surge (kubernetes v1.31): a node whose new pod is not yet available (Ready) counts as
   * unavailable, an old pod that is not available is replaced at once, and only
   * `maxUnavailable` minus the unavailable count of available old pods are deleted, their
   * new pods created after. It runs again whenever a new pod turns Ready, as the
   * controller resyncs on the pod's status update. `OnDelete` replaces nothing. maxSurge
   * is not modelled (the manifest sets 0).
   */
  private async replaceOld(key: string, generation: number): Promise<void> {
    const ds = this.current(key);
    const state = this.states.get(key);
    if (this.stopped || !ds || !state || ds.metadata.deletionTimestamp || ds.metadata.generation !== generation) return;
    const eligible = eligibleNodes(ds, this.options.nodes);
    const strategy = updateStrategyOf(ds, eligible.length);
    if (strategy.type === 'OnDelete') return;
    let unavailable = 0;
    const replacements: SimNode[] = [];
    const candidates: SimNode[] = [];
    for (const node of eligible) {
      const slot = state.slots.get(node.name);
      if (!slot?.podName) unavailable++;
      else if (slot.generation === generation) {
        if (!slot.outcome?.ready) unavailable++;
      } else if (!slot.outcome?.ready) {
        replacements.push(node);
        unavailable++;
      } else candidates.push(node);
    }
    const room = Math.max(0, Math.min(candidates.length, strategy.maxUnavailable - unavailable));
    const chosen = [...replacements, ...candidates.slice(0, room)];
    if (chosen.length === 0) return;
    // syncNodes deletes the chosen old pods; the manage loop then creates their new ones.
    for (const node of chosen) {
      const old = state.slots.get(node.name);
      if (old) await this.stopSlot(key, old, node);
      state.slots.delete(node.name);
    }
    this.writeStatus(ds, state);
    this.options.onChange();
    for (const node of chosen) {
      await sleep(this.options.delayMs);
      const current = this.current(key);
      if (this.stopped || !current || current.metadata.deletionTimestamp || current.metadata.generation !== generation) return;
      await this.startSlot(current, state, node);
    }
    // New pods without a readinessProbe are Ready at once: look again.
    void this.enqueue(() => this.replaceOld(key, generation));
  }

  private async startSlot(ds: KubeObject, state: DaemonSetState, node: SimNode): Promise<void> {
    const { store } = this.options;
    const pod = store.put(daemonSetPod(ds, node.name));
    const name = pod.metadata.name ?? '';
    const slot: Slot = { podName: name, generation: ds.metadata.generation ?? 1 };
    state.slots.set(node.name, slot);
    slot.outcome = await runDaemonPod(store, pod, node, this.options.knobs(node.name));
    for (const line of slot.outcome.log) this.options.log(`${node.name} ${name} ${line}`);
    const containers = ((pod.spec as { containers?: Array<{ name: string }> }).containers ?? []).map((c) => c.name);
    const publish = (outcome: PodOutcome) => {
      const { ready, phase, reason, message } = outcome;
      store.setStatus('Pod', pod.metadata.namespace, name, podStatus({ phase, ready, reason, message, containers, podIP: node.address, hostIP: node.address }));
      this.writeStatus(this.current(keyOf(ds)) ?? ds, state);
      this.options.onChange();
    };
    const outcome = slot.outcome;
    publish(outcome);
    if (outcome.daemon) this.track(outcome.daemon.confWritten);
    // The readiness probe passes later; the pod turns Ready then, if it is still this one.
    if (outcome.readiness) {
      this.track(
        outcome.readiness.then((passed) => {
          if (!passed || slot.outcome !== outcome || this.stopped) return;
          outcome.ready = true;
          outcome.reason = undefined;
          outcome.message = undefined;
          publish(outcome);
          // An available new pod frees room for the next old one (update.go).
          const generation = slot.generation ?? 1;
          void this.enqueue(() => this.replaceOld(keyOf(ds), generation));
        }),
      );
    }
  }

  private async stopSlot(key: string, slot: Slot, node: SimNode): Promise<void> {
    await slot.outcome?.daemon?.stop(this.options.knobs(node.name).killed ? 'SIGKILL' : 'SIGTERM');
    slot.outcome = undefined;
    const [namespace] = key.split('/');
    if (slot.podName) this.options.store.delete('v1', 'Pod', namespace, slot.podName);
    slot.podName = undefined;
  }

  private async teardown(ds: KubeObject): Promise<void> {
    const key = keyOf(ds);
    const state = this.states.get(key);
    if (!state) return;
    for (const node of this.options.nodes) {
      const slot = state.slots.get(node.name);
      if (!slot) continue;
      await sleep(Math.round(this.options.delayMs / 3));
      await this.stopSlot(key, slot, node);
      state.slots.delete(node.name);
      this.options.onChange();
    }
    this.states.delete(key);
  }

  private writeStatus(ds: KubeObject, state: DaemonSetState): void {
    const slots = [...state.slots.values()];
    const counts = {
      desired: eligibleNodes(ds, this.options.nodes).length,
      scheduled: slots.filter((s) => s.podName).length,
      ready: slots.filter((s) => s.outcome?.ready).length,
      updated: slots.filter((s) => s.podName && s.generation === ds.metadata.generation).length,
    };
    const [namespace, name] = keyOf(ds).split('/');
    if (this.options.store.get('apps/v1', 'DaemonSet', namespace, name)) {
      this.options.store.setStatus('DaemonSet', namespace, name, daemonSetStatus(ds, counts));
    }
  }
}
