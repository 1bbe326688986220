/**
 * A list-then-watch loop for one kind and label selector that never gives up: a watch that
 * ends is resumed from the last resourceVersion, a `410 Gone` or any error re-lists (with
 * exponential backoff on errors), and a re-list turns whatever changed while the watch was
 * down — deletions included — into events, so nothing is silently missed. The first list
 * reports every object as ADDED: a watch is started after its owner wrote the objects, and a
 * change made between that write and the first list is otherwise never seen.
 */
import type { LiveObject } from '../../domain/health/health.types.js';

/** One change of a watched object. */
export interface WatchEvent {
  type: 'ADDED' | 'MODIFIED' | 'DELETED';
  object: LiveObject;
}

/** Tuning of a {@link LabelWatch}. */
export interface WatchOptions {
  /** First retry delay after an error; doubles up to `maxBackoffMs`. Default 500 ms. */
  minBackoffMs?: number;
  maxBackoffMs?: number;
  /** Called on every failure (for logs and metrics). */
  onError?: (error: unknown) => void;
  /**
   * Called after the first list with what exists then. An object gone before the first list
   * produces no event at all (later relists report what went as DELETED); its owner compares
   * this with what it expects to exist.
   */
  onListed?: (objects: readonly LiveObject[]) => void;
}

/** The two calls a watch needs. */
export interface WatchSource {
  list(): Promise<{ items: LiveObject[]; resourceVersion: string }>;
  stream(resourceVersion: string, onLine: (line: string) => void, signal: AbortSignal): Promise<void>;
}

/**
 * The object without `metadata.managedFields`. Whatever the agent keeps of a live object (the
 * watch's last-seen copy, the drift watcher's last applied copy: two per managed object) is
 * stored without them: the server's field-ownership record is about as large as a small object
 * itself, and nothing the agent compares or reports reads it (server-side apply resolves
 * ownership on the server).
 */
export function withoutManagedFields(object: LiveObject): LiveObject {
  if (!('managedFields' in object.metadata)) return object;
  const { managedFields: _dropped, ...metadata } = object.metadata;
  return { ...object, metadata };
}

const keyOf = (o: LiveObject) => `${o.metadata.namespace ?? ''}/${o.metadata.name}`;

class Gone extends Error {}

/** See the module comment. Start with `start()`, end with `stop()`. */
export class LabelWatch {
  private readonly known = new Map<string, LiveObject>();
  private readonly abort = new AbortController();
  private stopped = false;

  constructor(
    private readonly source: WatchSource,
    private readonly apiVersion: string,
    private readonly kind: string,
    private readonly onEvent: (event: WatchEvent) => void,
    private readonly options: WatchOptions,
  ) {}

  start(): void {
    void this.run();
  }

  stop(): void {
    this.stopped = true;
    this.abort.abort();
  }

  objects(): LiveObject[] {
    return [...this.known.values()];
  }

  private emit(type: WatchEvent['type'], object: LiveObject): void {
    try {
      this.onEvent({ type, object });
    } catch (e) {
      this.options.onError?.(e);
    }
  }

  /** Replaces the known set with a fresh list, emitting the differences (all of it, the first time). */
  private relist(items: LiveObject[], first: boolean): void {
    const seen = new Set<string>();
    for (const listed of items) {
      const item = withoutManagedFields(listed);
      const key = keyOf(item);
      seen.add(key);
      const before = this.known.get(key);
      this.known.set(key, item);
      if (!before) this.emit('ADDED', item);
      else if (before.metadata.resourceVersion !== item.metadata.resourceVersion) this.emit('MODIFIED', item);
    }
    for (const [key, obj] of this.known) {
      if (seen.has(key)) continue;
      this.known.delete(key);
      if (!first) this.emit('DELETED', obj);
    }
  }

  private async run(): Promise<void> {
    const min = this.options.minBackoffMs ?? 500;
    const max = this.options.maxBackoffMs ?? 30_000;
    let backoff = min;
    let first = true;
    while (!this.stopped) {
      try {
        const listed = await this.source.list();
        this.relist(listed.items, first);
        if (first) this.options.onListed?.(this.objects());
        first = false;
        let rv = listed.resourceVersion;
        // Resume the watch from the last version seen until the server says it is too old.
        while (!this.stopped) {
          await this.source.stream(
            rv,
            (line) => {
              rv = this.handle(line) ?? rv;
              // The stream worked (events or bookmarks): a later failure starts the backoff
              // afresh instead of where drops days apart would otherwise have taken it.
              backoff = min;
            },
            this.abort.signal,
          );
          backoff = min;
        }
      } catch (e) {
        if (this.stopped) return;
        if (!(e instanceof Gone)) {
          this.options.onError?.(e);
          await new Promise((r) => setTimeout(r, backoff));
          backoff = Math.min(backoff * 2, max);
        }
      }
    }
  }

  /** Applies one watch line; returns the new resourceVersion, throws Gone on 410. */
  private handle(line: string): string | undefined {
    const event = JSON.parse(line) as { type: string; object: LiveObject & { code?: number } };
    if (event.type === 'ERROR') {
      if (event.object.code === 410) throw new Gone('resource version too old');
      throw new Error(`watch error: ${JSON.stringify(event.object)}`);
    }
    const object = withoutManagedFields({ ...event.object, apiVersion: this.apiVersion, kind: this.kind });
    const rv = object.metadata.resourceVersion as string | undefined;
    if (event.type === 'BOOKMARK') return rv;
    const key = keyOf(object);
    if (event.type === 'DELETED') this.known.delete(key);
    else this.known.set(key, object);
    if (event.type === 'ADDED' || event.type === 'MODIFIED' || event.type === 'DELETED')
      this.emit(event.type, object);
    return rv;
  }
}
