/**
 * `--skew` adds one hot author, one hot article and one hot tag (capped at half
 * of each table) without changing the size of any table but article_tags.
 */
import t from 'tap';
import { demoCounts } from '../../src/seed/counts.js';
import { generateDemoTables } from '../../src/seed/generate.js';

function tally(scale: number, skew: boolean) {
  const plans = Object.fromEntries(generateDemoTables(scale, undefined, skew).map((plan) => [plan.table, plan]));
  const count = (table: string, match: (row: unknown[]) => boolean) => {
    let n = 0;
    for (const row of plans[table].rows()) if (match(row)) n++;
    return n;
  };
  return {
    rowCounts: Object.fromEntries(Object.entries(plans).map(([table, plan]) => [table, plan.rowCount])),
    tagRows: count('article_tags', () => true),
    hotAuthor: count('articles', (row) => row[1] === 1),
    hotArticle: count('comments', (row) => row[1] === 1),
    hotTag: count('article_tags', (row) => row[1] === 1),
  };
}

t.test('a skewed data set has its hot spots and the same table sizes', async (t) => {
  const counts = demoCounts(0.2);
  const even = tally(0.2, false);
  const skewed = tally(0.2, true);
  const { article_tags: skewedTags, ...skewedOthers } = skewed.rowCounts;
  const { article_tags: evenTags, ...evenOthers } = even.rowCounts;
  t.same(skewedOthers, evenOthers, 'same row counts (article_tags aside: a hot-tagged article has at least one tag)');
  t.ok(skewedTags >= evenTags);
  t.equal(skewed.tagRows, skewed.rowCounts.article_tags, 'article_tags yields the rows it announces');
  t.ok(skewed.hotAuthor >= counts.articles / 2, `author 1 writes half the articles (${skewed.hotAuthor} of ${counts.articles})`);
  t.ok(skewed.hotArticle >= counts.comments / 2, `article 1 has half the comments (${skewed.hotArticle})`);
  t.ok(skewed.hotTag >= Math.floor(counts.articles / 2 / 3), `tag 1 is on every third article of the first half (${skewed.hotTag})`);
  t.ok(even.hotAuthor < counts.articles / 10 && even.hotArticle < counts.comments / 10, 'without --skew no such hot spots');
});
