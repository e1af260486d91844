/** BoundedCache: a miss makes and keeps the value, a hit reuses it, past the bound it starts over. */
import t from 'tap';
import { BoundedCache } from '../../src/orm/index.js';

t.test('bounded cache', async (t) => {
  const cache = new BoundedCache<string, number>(2);
  let made = 0;
  const make = (key: string) => (made++, key.length);
  t.equal(cache.get('a', make), 1);
  t.equal(cache.get('a', make), 1);
  t.equal(made, 1, 'a hit makes nothing');
  cache.get('bb', make);
  t.equal(cache.size, 2);
  t.equal(cache.get('ccc', make), 3);
  t.equal(cache.size, 1, 'past the bound it started over');
  cache.get('a', make);
  t.equal(made, 4, 'a key dropped by the restart is made again');
});
