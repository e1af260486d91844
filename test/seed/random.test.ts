import t from 'tap';
import { Random, WeightedPicker } from '../../src/seed/random.js';

const draws = (random: Random, n: number) => Array.from({ length: n }, () => random.next());

t.test('the same seed gives the same sequence; another seed another one', async (t) => {
  t.same(draws(new Random(42), 20), draws(new Random(42), 20));
  t.not(draws(new Random(42), 5).join(), draws(new Random(43), 5).join());
  t.same(draws(new Random(1).fork('a'), 5), draws(new Random(1).fork('a'), 5), 'forks are deterministic');
  t.not(draws(new Random(1).fork('a'), 5).join(), draws(new Random(1).fork('b'), 5).join(), 'labels separate streams');
});

t.test('draws stay in range', async (t) => {
  const random = new Random(7);
  const ints = Array.from({ length: 5000 }, () => random.int(3, 6));
  t.same([...new Set(ints)].sort(), [3, 4, 5, 6], 'int covers both ends and nothing else');
  t.ok(draws(random, 5000).every((x) => x >= 0 && x < 1));
  const sample = random.sample(10, 8);
  t.equal(new Set(sample).size, 8, 'sample is distinct');
  t.equal(random.sample(3, 8).length, 3, 'sample is capped at n');
});

t.test('the weighted picker follows the weights and never picks a zero weight', async (t) => {
  const picker = new WeightedPicker([0, 1, 3, 0]);
  const random = new Random(3);
  const counts = [0, 0, 0, 0];
  for (let i = 0; i < 4000; i++) counts[picker.pick(random)]++;
  t.equal(counts[0] + counts[3], 0);
  t.ok(counts[2] > 2.5 * counts[1] && counts[2] < 3.5 * counts[1], `ratio ${counts[2] / counts[1]} is about 3`);
});
