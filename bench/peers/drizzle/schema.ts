/** The API.md schema declared for Drizzle (tables plus relations for its relational queries). */
import { relations } from 'drizzle-orm';
import { bigint, bigserial, boolean, pgTable, primaryKey, text, timestamp } from 'drizzle-orm/pg-core';

const id = () => bigserial('id', { mode: 'number' }).primaryKey();
const ref = (column: string) => bigint(column, { mode: 'number' });
const stamp = (column: string) => timestamp(column, { withTimezone: true, mode: 'date' });

export const authors = pgTable('authors', {
  id: id(),
  name: text('name').notNull(),
  email: text('email').notNull(),
  bio: text('bio'),
  createdAt: stamp('created_at').notNull(),
});

export const categories = pgTable('categories', {
  id: id(),
  name: text('name').notNull(),
  slug: text('slug').notNull(),
});

export const articles = pgTable('articles', {
  id: id(),
  authorId: ref('author_id').notNull(),
  categoryId: ref('category_id'),
  title: text('title').notNull(),
  body: text('body').notNull(),
  isPublished: boolean('is_published').notNull(),
  pubDate: stamp('pub_date'),
  createdAt: stamp('created_at').notNull(),
});

export const tags = pgTable('tags', {
  id: id(),
  name: text('name').notNull(),
  active: boolean('active').notNull(),
});

export const articleTags = pgTable(
  'article_tags',
  { articleId: ref('article_id').notNull(), tagId: ref('tag_id').notNull() },
  (t) => [primaryKey({ columns: [t.articleId, t.tagId] })],
);

export const comments = pgTable('comments', {
  id: id(),
  articleId: ref('article_id').notNull(),
  authorId: ref('author_id'),
  body: text('body').notNull(),
  createdAt: stamp('created_at').notNull(),
});

export const authorsRelations = relations(authors, ({ many }) => ({ articles: many(articles) }));

export const articlesRelations = relations(articles, ({ one, many }) => ({
  author: one(authors, { fields: [articles.authorId], references: [authors.id] }),
  category: one(categories, { fields: [articles.categoryId], references: [categories.id] }),
  articleTags: many(articleTags),
  comments: many(comments),
}));

export const articleTagsRelations = relations(articleTags, ({ one }) => ({
  article: one(articles, { fields: [articleTags.articleId], references: [articles.id] }),
  tag: one(tags, { fields: [articleTags.tagId], references: [tags.id] }),
}));

export const commentsRelations = relations(comments, ({ one }) => ({
  article: one(articles, { fields: [comments.articleId], references: [articles.id] }),
}));
