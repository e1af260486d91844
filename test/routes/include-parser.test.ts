import t from 'tap';
import { ParameterError } from '../../src/errors.js';
import { parseInclude, walkInclude, type IncludeTree } from '../../src/routes/include-parser.js';
import { catalog, shape } from './catalog.fixture.js';

const articles = shape('articles');

/** The tree as `path[preset]` strings, parents first. */
function paths(tree: IncludeTree): string[] {
  return [...walkInclude(tree.children)].map(([path, node]) => path.join('.') + (node.preset ? `[${node.preset.key}]` : ''));
}

function issueOf(raw: string, resource = articles) {
  try {
    parseInclude(raw, resource, catalog);
  } catch (error) {
    if (error instanceof ParameterError) return error.issue;
    throw error;
  }
  throw new Error(`include=${raw} was accepted`);
}

t.test('absent and empty include load nothing', async (t) => {
  t.same(paths(parseInclude(undefined, articles, catalog)), []);
  t.same(paths(parseInclude('', articles, catalog)), []);
});

t.test('paths imply their prefixes and keep the kinds of their relations', async (t) => {
  const tree = parseInclude('comments.author,author.articles:recent5', articles, catalog);
  t.same(paths(tree), ['comments', 'comments.author', 'author', 'author.articles[recent5]']);
  t.match(tree.children.get('author')!.relation, { many: false, joinable: true });
  t.match(tree.children.get('comments')!.relation, { many: true, joinable: false });
  t.equal(tree.children.get('comments')!.resource!.name, 'comments');
  t.equal(tree.children.get('author')!.children.get('articles')!.preset!.arg, 5);
});

t.test('merging: duplicates collapse, a preset-less mention joins the preset one', async (t) => {
  t.same(paths(parseInclude('tags,tags,tags', articles, catalog)), ['tags']);
  t.same(paths(parseInclude('comments:recent5,comments.author', articles, catalog)), ['comments[recent5]', 'comments.author']);
  t.same(paths(parseInclude('comments.author,comments:recent5', articles, catalog)), ['comments[recent5]', 'comments.author']);
  t.same(paths(parseInclude('comments:recent5,comments:recent5', articles, catalog)), ['comments[recent5]']);
  t.same(paths(parseInclude('comments:recent05,comments:recent5', articles, catalog)), ['comments[recent5]'], 'same N, two spellings');
});

t.test('every preset of API.md on every relation that targets its resource', async (t) => {
  t.same(paths(parseInclude('tags:active,comments:recent50', articles, catalog)), ['tags[active]', 'comments[recent50]']);
  t.same(paths(parseInclude('articles:published,comments:recent1', shape('authors'), catalog)), ['articles[published]', 'comments[recent1]']);
  t.same(paths(parseInclude('articles:recent3', shape('tags'), catalog)), ['articles[recent3]']);
  t.same(paths(parseInclude('articles:recent3', shape('categories'), catalog)), ['articles[recent3]']);
});

t.test('the generic target is a leaf', async (t) => {
  t.same(paths(parseInclude('target,author', shape('reactions'), catalog)), ['target', 'author']);
  t.same(issueOf('target.author', shape('reactions')), {
    parameter: 'include',
    value: 'author',
    detail: "'target' is a generic relation (articles or comments) and cannot have anything included below it",
  });
});

t.test('errors name the offending token and what was allowed', async (t) => {
  t.same(issueOf('tags,tgas'), {
    parameter: 'include',
    value: 'tgas',
    detail: "unknown relation 'tgas' on articles; expected one of author, category, tags, reactions, comments",
  });
  t.match(issueOf('comments.auther'), { value: 'auther', detail: /on comments; expected one of article, author, reactions/ });
  t.match(issueOf('comments:recent5,comments:recent3'), { value: 'comments:recent3', detail: /two different presets \('recent5' and 'recent3'\)/ });
  t.match(issueOf('comments:recent0'), { value: 'recent0', detail: /1 <= N <= 50; got 0/ });
  t.match(issueOf('comments:recent51'), { value: 'recent51', detail: /1 <= N <= 50; got 51/ });
  t.match(issueOf('comments:latest'), { value: 'latest', detail: "unknown preset 'latest' for articles.comments; expected one of recentN" });
  t.match(issueOf('tags:recent5'), { value: 'recent5', detail: /expected one of active/ });
  t.match(issueOf('author:recent5'), { value: 'recent5', detail: "'articles.author' is a to-one relation and takes no preset" });
  t.match(issueOf('tags,,author'), { value: '', detail: /empty path/ });
  t.match(issueOf('tags,'), { value: '', detail: /empty path/ });
  t.match(issueOf('tags.'), { value: '', detail: /not a valid include segment/ });
  t.match(issueOf('com-ments'), { value: 'com-ments', detail: /not a valid include segment/ });
  t.match(issueOf('comments:recent5:x'), { value: 'comments:recent5:x' });
  t.match(issueOf('1tags'), { value: '1tags' });
});

t.test('limits: depth 4, 20 paths before merging, 1000 characters', async (t) => {
  t.same(paths(parseInclude('comments.article.comments.author', articles, catalog)).length, 4);
  t.match(issueOf('comments.article.comments.article.author'), {
    value: 'comments.article.comments.article.author',
    detail: /at most 4 relations deep/,
  });
  t.same(paths(parseInclude(Array(20).fill('tags').join(','), articles, catalog)), ['tags']);
  t.match(issueOf(Array(21).fill('tags').join(',')), { value: 'tags', detail: /at most 20 paths; got 21/ });
  const long = `tags,${'x'.repeat(996)}`;
  t.match(issueOf(long), { detail: /at most 1000 characters; got 1001/ });
  t.match(issueOf(`tags,${'x'.repeat(995)}`), { value: 'x'.repeat(995), detail: /unknown relation/ }, '1000 characters pass the length check');
});
