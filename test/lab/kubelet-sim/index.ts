/**
 * The lab's DaemonSet/kubelet simulation (a FAKE; see ../README.md): it follows the API
 * stand-in's store and makes the Multus DaemonSet and annotated pods happen on the lab
 * nodes' files, sockets and pod objects.
 */
import type { ObjectStore } from '../kube-api/store.ts';
import type { KubeObject } from '../kube-api/types.ts';
import { DaemonSetController } from './daemonset.ts';
import { NETWORKS_ANNOTATION, attachPod } from './attach.ts';
import { isDaemonSetPod } from './pod-objects.ts';
import type { NodeKnobs, PodOutcome, SimNode } from './node-runtime.ts';

export type { NodeKnobs, SimNode } from './node-runtime.ts';
export { releaseCacheSync } from './node-runtime.ts';
export { isMultusDaemonSet } from './daemonset.ts';
export { k3sBinDir, NETWORK_STATUS_ANNOTATION, NETWORKS_ANNOTATION } from './attach.ts';

export const DEFAULT_POD_START_DELAY_MS = 300;

export interface KubeletSimOptions {
  store: ObjectStore;
  nodes: SimNode[];
  knobs?: Record<string, NodeKnobs>;
  /** How long each node's Multus pod takes to start or stop; default 300 ms. */
  podStartDelayMs?: number;
  log?: (line: string) => void;
}

export interface KubeletSim {
  /** The live knobs of a node; changes apply to the next pod start or stop there. */
  knobs(node: string): NodeKnobs;
  setKnob<K extends keyof NodeKnobs>(node: string, knob: K, value: NodeKnobs[K]): void;
  /** The Multus pod outcome on a node, if one runs there. */
  multusPod(node: string): PodOutcome | undefined;
  /** Resolves once every queued roll, teardown and attachment has been done. */
  idle(): Promise<void>;
  stop(): Promise<void>;
}

export function startKubeletSim(options: KubeletSimOptions): KubeletSim {
  const { store, nodes } = options;
  const knobs = new Map<string, NodeKnobs>(nodes.map((n) => [n.name, { ...(options.knobs?.[n.name] ?? {}) }]));
  const knobsOf = (node: string): NodeKnobs => {
    const found = knobs.get(node);
    if (!found) throw new Error(`no lab node ${JSON.stringify(node)}`);
    return found;
  };
  const log = options.log ?? (() => {});
  let controller: DaemonSetController;
  const ctx = { store, nodes, podOn: (node: string) => controller.podOn(node) };

  const waiting = (pod: KubeObject) =>
    !isDaemonSetPod(pod) && Boolean(pod.metadata.annotations?.[NETWORKS_ANNOTATION]) && (pod.status as { phase?: string } | undefined)?.phase !== 'Running';
  const attach = (pod: KubeObject) => {
    const { namespace = 'default', name = '' } = pod.metadata;
    void controller.enqueue(() => attachPod(ctx, namespace, name));
  };
  const retryWaitingPods = () => {
    for (const pod of store.list('v1', 'Pod')) if (waiting(pod)) attach(pod);
  };

  controller = new DaemonSetController({
    store,
    nodes,
    knobs: knobsOf,
    delayMs: options.podStartDelayMs ?? DEFAULT_POD_START_DELAY_MS,
    log,
    onChange: retryWaitingPods,
  });

  const unwatch = store.watch((event) => {
    const object = event.object;
    if (object.kind === 'DaemonSet') controller.onEvent(event);
    else if (event.type !== 'DELETED' && object.kind === 'Pod' && waiting(object)) attach(object);
    else if (event.type !== 'DELETED' && object.kind === 'NetworkAttachmentDefinition') retryWaitingPods();
  });
  const unlisten = store.on('deleted', (object) => controller.onDeleted(object));
  // A DaemonSet applied before the simulation started is picked up as well.
  for (const ds of store.list('apps/v1', 'DaemonSet')) controller.onEvent({ type: 'ADDED', object: ds });

  return {
    knobs: knobsOf,
    setKnob(node, knob, value) {
      knobsOf(node)[knob] = value;
    },
    multusPod: (node) => controller.podOn(node),
    idle: () => controller.idle(),
    async stop() {
      unwatch();
      unlisten();
      await controller.stop();
    },
  };
}
