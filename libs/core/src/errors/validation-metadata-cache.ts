import { getMetadataStorage } from 'class-validator';

type Storage = ReturnType<typeof getMetadataStorage>;
type Lookup = Storage['getTargetValidationMetadatas'];
const MEMOIZED = Symbol.for('inbox.validationMetadataMemoized');

/**
 * class-validator finds a class's rules, on every validation of every object (each nested DTO
 * too), by walking every decorated class of the application to collect the ones it inherits from
 * (an `instanceof` test each), then filtering and copying the rules: in an API ingest it was the
 * largest allocation of the validation pipe (16 KB of the 58 KB a message allocates validating,
 * `HeapProfiler` sampling at 100 messages a second) and a top self-time frame. Upstream knows it
 * (typestack/class-validator#2686, open); Twenty memoizes it the same way (twentyhq/twenty#24085).
 * The answer depends only on the arguments and on the rules registered, which are all registered
 * when the classes load; the cache keys on the arguments and is emptied whenever a rule is
 * registered all the same, so it can never answer from before one. Callers only read the array.
 * Idempotent: the one storage (class-validator keeps it on `global`) is wrapped once.
 */
export function memoizeValidationMetadata(storage: Storage = getMetadataStorage()): void {
  const marked = storage as Storage & { [MEMOIZED]?: true };
  if (marked[MEMOIZED]) return;
  marked[MEMOIZED] = true;
  const lookup: Lookup = storage.getTargetValidationMetadatas.bind(storage);
  let byTarget = new WeakMap<object, Map<string, ReturnType<Lookup>>>();
  const add = storage.addValidationMetadata.bind(storage);
  storage.addValidationMetadata = (metadata) => {
    byTarget = new WeakMap();
    add(metadata);
  };
  storage.getTargetValidationMetadatas = (target, schema, always, strictGroups, groups) => {
    const key = `${schema ?? ''}\u0000${always}\u0000${strictGroups}\u0000${groups?.join('\u0001') ?? '\u0002'}`;
    let known = byTarget.get(target);
    if (!known) byTarget.set(target, (known = new Map()));
    let found = known.get(key);
    if (!found) known.set(key, (found = lookup(target, schema, always, strictGroups, groups)));
    return found;
  };
}
