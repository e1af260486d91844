import { errors } from './errors.js';
import { isLoaded, loaded, type ModelInstance, ORIGIN } from './instance.js';
import { prefetchRelatedObjects } from './prefetch.js';

/**
 * Loads a relation that the query did not load, honouring the fetch mode:
 * 'raise' throws, 'one' loads it for this instance only, 'peers' loads it for
 * every instance of the same result in one query (Django 6.1's FETCH_PEERS).
 *
 * ```ts
 * const authors = await Author.objects.using(session).fetchMode('peers');
 * await load(authors[0], 'articles'); // one query, for all authors
 * ```
 */
export async function load(instance: ModelInstance, name: string): Promise<unknown> {
  if (!isLoaded(instance, name)) {
    const origin = instance[ORIGIN];
    const mode = origin?.fetchMode ?? 'one';
    const relation = instance.model.relation(name);
    if (mode === 'raise') throw errors.relationNotLoaded(instance.model.name, name, relation.loadHint());
    const targets = mode === 'peers' && origin?.peers.includes(instance) ? origin.peers : [instance];
    await prefetchRelatedObjects(targets.filter((peer) => !isLoaded(peer, name)), { session: origin?.session }, name);
  }
  return loaded(instance, name);
}
