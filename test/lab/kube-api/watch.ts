/**
 * `?watch=true` on a collection: a chunked stream of `{"type":…,"object":…}` lines, as
 * kubectl reads while it waits for a delete to finish (`kubectl delete --wait` lists with
 * `fieldSelector=metadata.name=X`, then watches from the list's resourceVersion).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ObjectStore } from './store.ts';
import type { KubeObject, ListOptions, ResourceType, WatchEvent } from './types.ts';
import { groupOf } from './types.ts';
import { fieldMatcher, labelMatcher } from './selectors.ts';

export interface WatchRequest {
  type: ResourceType;
  options: ListOptions;
  /** Start after this resourceVersion; absent or "0" starts with ADDED for every match. */
  resourceVersion: string | undefined;
  timeoutSeconds: number;
}

export function serveWatch(req: IncomingMessage, res: ServerResponse, store: ObjectStore, watch: WatchRequest): void {
  const { type, options } = watch;
  const labels = labelMatcher(options.labelSelector);
  const fields = fieldMatcher(options.fieldSelector);
  const matches = (object: KubeObject) =>
    groupOf(object.apiVersion) === type.group &&
    object.kind === type.kind &&
    (!type.namespaced || options.namespace === undefined || object.metadata.namespace === options.namespace) &&
    labels(object) &&
    fields(object);

  res.writeHead(200, { 'Content-Type': 'application/json', 'Transfer-Encoding': 'chunked', 'Cache-Control': 'no-cache' });
  res.flushHeaders();
  const send = (event: WatchEvent) => {
    if (matches(event.object)) res.write(JSON.stringify(event) + '\n');
  };

  const fromList = watch.resourceVersion === undefined || watch.resourceVersion === '' || watch.resourceVersion === '0';
  const initial: WatchEvent[] = fromList
    ? store.listTyped(type, options).map((object) => ({ type: 'ADDED' as const, object }))
    : store.eventsSince(watch.resourceVersion);
  for (const event of initial) send(event);

  const unsubscribe = store.watch(send);
  const finish = () => {
    clearTimeout(timer);
    unsubscribe();
    if (!res.writableEnded) res.end();
  };
  const timer = setTimeout(finish, watch.timeoutSeconds * 1000);
  req.on('close', finish);
  res.on('close', finish);
}
