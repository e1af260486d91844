import type { Random } from './random.js';

/** Vocabulary for demo text: plain words, so bodies are readable and searchable. */
const WORDS = (
  'query index join table row column cache latency server client request response schema ' +
  'migration cursor page filter sort include prefetch relation author article comment tag ' +
  'category reaction batch array parameter plan scan lookup tuple vacuum replica pool ' +
  'timeout retry stream buffer snapshot commit rollback lock deadlock shard partition ' +
  'window order limit offset count group merge hash nested loop bitmap heap fast slow ' +
  'simple subtle careful quick robust clean tidy lazy eager small large every often never'
).split(' ');

export const FIRST_NAMES = (
  'Ada Alan Barbara Brian Charles Dennis Donald Edsger Frances Grace Guido Hedy Ivan John ' +
  'Ken Linus Margaret Niklaus Radia Richard Rob Shafi Sophie Tim Tony Ward Xavier Yukihiro'
).split(' ');

export const LAST_NAMES = (
  'Lovelace Turing Liskov Kernighan Babbage Ritchie Knuth Dijkstra Allen Hopper Rossum ' +
  'Lamarr Sutherland Backus Thompson Torvalds Hamilton Wirth Perlman Stallman Pike Goldwasser ' +
  'Wilson Berners Hoare Cunningham Leroy Matsumoto'
).split(' ');

export const CATEGORY_NAMES = [
  'Databases', 'Web', 'Performance', 'Security', 'Testing', 'Tooling', 'Languages', 'Design',
  'Operations', 'Networking', 'Storage', 'Frontend', 'Backend', 'Mobile', 'Data Science',
  'Distributed Systems', 'Compilers', 'Career', 'Open Source', 'Hardware',
];

export const TAG_WORDS = (
  'orm sql postgres kysely django rest json http cache index join prefetch typescript node ' +
  'fastify zod testing benchmark pagination cursor migration schema docker linux cloud ' +
  'security auth oauth cors tls logging metrics tracing queue stream graphql grpc wasm ' +
  'rust go python java kotlin swift react vue css html accessibility design career'
).split(' ');

/** A sentence of `min`..`max` words, capitalized and ending with a period. */
export function sentence(random: Random, min = 5, max = 12): string {
  const count = random.int(min, max);
  const words: string[] = [];
  for (let i = 0; i < count; i++) words.push(random.pick(WORDS));
  const text = words.join(' ');
  return `${text[0].toUpperCase()}${text.slice(1)}.`;
}

/** `min`..`max` sentences joined by spaces. */
export function paragraph(random: Random, min: number, max: number): string {
  const count = random.int(min, max);
  const sentences: string[] = [];
  for (let i = 0; i < count; i++) sentences.push(sentence(random));
  return sentences.join(' ');
}

/** A title: a short sentence without the final period. */
export function title(random: Random): string {
  return sentence(random, 3, 8).slice(0, -1);
}

/** `Distributed Systems` -> `distributed-systems`. */
export function slugify(name: string): string {
  return name.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '');
}
