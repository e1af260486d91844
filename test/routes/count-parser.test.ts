/**
 * The count parser on the plain resource shapes (no database): where each
 * count lands in the include tree, merging, and the 400 of each mistake.
 */
import t from 'tap';
import { ParameterError } from '../../src/errors.js';
import { countKeys, parseCount } from '../../src/routes/count-parser.js';
import { parseInclude, walkInclude, type IncludeTree } from '../../src/routes/include-parser.js';
import { catalog, shape } from './catalog.fixture.js';

const articles = shape('articles');

/** `path: key, key` for the root ('') and every node with counts. */
function counted(include: string, count: string, resource = articles): string[] {
  const tree = parseInclude(include, resource, catalog);
  parseCount(count, tree, catalog);
  const lines = tree.counts ? [`: ${[...tree.counts.keys()].join(', ')}`] : [];
  for (const [path, node] of walkInclude(tree.children)) {
    if (node.counts) lines.push(`${path.join('.')}: ${[...node.counts.keys()].join(', ')}`);
  }
  return lines;
}

function issueOf(include: string, count: string, resource = articles) {
  const tree: IncludeTree = parseInclude(include, resource, catalog);
  try {
    parseCount(count, tree, catalog);
  } catch (error) {
    if (error instanceof ParameterError) return error.issue;
    throw error;
  }
  throw new Error(`count=${count} was accepted`);
}

t.test('counts land on the objects at the end of the parent path; duplicates merge', async (t) => {
  t.same(counted('', ''), []);
  t.same(counted('', 'comments,tags:active,comments'), [': comments, tags:active']);
  t.same(counted('author,comments', 'author.articles:published,comments.reactions,reactions'), [': reactions', 'author: articles:published', 'comments: reactions']);
  t.same(counted('comments:recent5.author', 'comments:recent5.author.comments'), ['comments.author: comments'], 'a prefix may repeat its include preset');
  t.same(counted('comments:recent5', 'comments.reactions'), ['comments: reactions'], 'or leave it out, as an include path may');
  t.same(counted('', 'articles,articles:published', shape('tags')), [': articles, articles:published']);
});

t.test('every possible key of a counts object', async (t) => {
  t.same(countKeys(articles, catalog), ['tags', 'tags:active', 'reactions', 'comments']);
  t.same(countKeys(shape('authors'), catalog), ['articles', 'articles:published', 'comments']);
  t.same(countKeys(shape('reactions'), catalog), []);
});

t.test('each mistake is a 400 on count naming the token', async (t) => {
  t.match(issueOf('', 'tgas'), { parameter: 'count', value: 'tgas', detail: /unknown relation 'tgas' on articles; expected one of/ });
  t.match(issueOf('', 'category'), { value: 'category', detail: /to-one relation of articles; a count names a to-many relation: tags, reactions, comments/ });
  t.match(issueOf('', 'author.articles'), { value: 'author', detail: "'author' is not in include; every relation before the counted one must be included (add include=author)" });
  t.match(issueOf('comments', 'comments.article.tags'), { value: 'article', detail: /'comments.article' is not in include/ });
  t.match(issueOf('', 'comments:recent5'), { value: 'comments:recent5', detail: /'recent5' takes a slice per parent and cannot qualify a count; count comments$/ });
  t.match(issueOf('', 'articles:recent2', shape('authors')), { detail: /count articles or articles:published$/ });
  t.match(issueOf('comments:recent5', 'comments:recent3.reactions'), { value: 'comments:recent3', detail: /included with preset 'recent5'/ });
  t.match(issueOf('comments', 'comments:recent3.reactions'), { value: 'comments:recent3', detail: /included without a preset/ });
  t.match(issueOf('target', 'target.comments', shape('reactions')), { value: 'target', detail: /generic relation/ });
  t.match(issueOf('', 'tags:nope'), { value: 'nope', detail: /unknown preset 'nope' for articles.tags; expected one of active/ });
  t.match(issueOf('', 'tags:a:b'), { value: 'tags:a:b', detail: /not a valid count segment/ });
  t.match(issueOf('', 'a.b.c.d.e'), { detail: /at most 4 relations deep/ });
  t.match(issueOf('', `tags,${'x'.repeat(996)}`), { detail: /count is at most 1000 characters/ });
});
