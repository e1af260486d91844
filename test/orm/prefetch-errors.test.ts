/**
 * Django's prefetch_related error messages: an unknown lookup, a lookup that
 * is a plain field, a toAttr that clashes with a field, and one path given two
 * different querysets.
 */
import t from 'tap';
import { Article, Comment, Tag } from '../../src/models/index.js';
import { PrefetchError } from '../../src/orm/errors.js';
import { Prefetch, prefetchRelatedObjects, Session } from '../../src/orm/index.js';
import { eachDatabase } from '../helpers/databases.js';
import { seedFixtures } from './fixtures.js';


const escape = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
/** Django's message, matched exactly (tap's `message` with a string only checks a prefix). */
const exactly = (text: string) => ({ message: new RegExp(`^${escape(text)}$`) });

t.test('prefetchRelated errors', async (t) => {
  await eachDatabase(t, async (t, database) => {
    const { db } = database;
    const session = new Session(database, { fetchMode: 'raise' });
    await seedFixtures(db);
    const articles = Article.objects.using(session);

    await t.test('an unknown lookup', async (t) => {
      await t.rejects(async () => await articles.prefetchRelated('x'), PrefetchError);
      await t.rejects(async () => await articles.prefetchRelated('x'),
        exactly("Cannot find 'x' on Article object, 'x' is an invalid parameter to prefetchRelated()"));
      // Django names the model where the walk stopped and the whole lookup.
      await t.rejects(async () => await articles.prefetchRelated('comments__x'),
        exactly("Cannot find 'x' on Comment object, 'comments__x' is an invalid parameter to prefetchRelated()"));
    });

    await t.test('a lookup that is a plain field', async (t) => {
      await t.rejects(async () => await articles.prefetchRelated('title'), PrefetchError);
      await t.rejects(async () => await articles.prefetchRelated('title'),
        { message: /^'title' does not resolve to an item that supports prefetching - this is an invalid parameter to prefetchRelated\(\)/ });
      await t.rejects(async () => await articles.prefetchRelated('comments__body'),
        { message: /^'comments__body' does not resolve to an item that supports prefetching/ });
    });

    await t.test('a toAttr that clashes with a field', async (t) => {
      await t.rejects(async () => await articles.prefetchRelated(new Prefetch('tags', undefined, { toAttr: 'title' })),
        PrefetchError);
      await t.rejects(async () => await articles.prefetchRelated(new Prefetch('tags', undefined, { toAttr: 'title' })),
        exactly('toAttr=title conflicts with a field on the Article model.'));
      // Django's get_field() also finds relations, so a relation name clashes too.
      await t.rejects(async () => await articles.prefetchRelated(new Prefetch('tags', undefined, { toAttr: 'comments' })),
        exactly('toAttr=comments conflicts with a field on the Article model.'));
    });

    await t.test('one path with two different querysets', async (t) => {
      const message = (lookup: string) =>
        exactly(`'${lookup}' lookup was already seen with a different queryset. You may need to adjust the ordering of your lookups.`);
      await t.rejects(async () => await articles.prefetchRelated(
        new Prefetch('tags', Tag.objects.filter({ active: true })),
        new Prefetch('tags', Tag.objects.filter({ active: false })),
      ), message('tags'));
      // A string lookup first fills the path with the default queryset (Django).
      await t.rejects(async () => await articles.prefetchRelated(
        'comments__author', new Prefetch('comments', Comment.objects.filter({ authorId__isnull: true })),
      ), message('comments'));
    });

    await t.test('prefetchRelatedObjects raises the same errors', async (t) => {
      const rows = await articles.slice(0, 2);
      await t.rejects(prefetchRelatedObjects(rows, 'x'),
        exactly("Cannot find 'x' on Article object, 'x' is an invalid parameter to prefetchRelated()"));
      await t.rejects(prefetchRelatedObjects(rows, { session }, 'title'), PrefetchError);
    });
  });
});
