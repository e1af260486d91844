/**
 * The domain of API.md section 1, declared for the ORM. Models are declared
 * first with their fields; relations are attached afterwards so that models
 * can point at each other in both directions. Declaring a forward FK or a
 * many-to-many with a `relatedName` also installs the reverse relation.
 */
import { defineModel, field, forwardFk, genericForeignKey, genericRelation, manyToMany } from '../orm/index.js';

export const Author = defineModel('Author', {
  table: 'authors',
  fields: {
    id: field.id(),
    name: field.text(),
    email: field.text(),
    bio: field.text({ null: true }),
    createdAt: field.timestamp(),
  },
  ordering: ['id'],
});

export const Category = defineModel('Category', {
  table: 'categories',
  fields: { id: field.id(), name: field.text(), slug: field.text() },
  ordering: ['id'],
});

export const Article = defineModel('Article', {
  table: 'articles',
  fields: {
    id: field.id(),
    authorId: field.integer(),
    categoryId: field.integer({ null: true }),
    title: field.text(),
    body: field.text(),
    isPublished: field.boolean(),
    pubDate: field.timestamp({ null: true }),
    createdAt: field.timestamp(),
  },
  ordering: ['id'],
});

export const Tag = defineModel('Tag', {
  table: 'tags',
  fields: { id: field.id(), name: field.text(), active: field.boolean() },
  ordering: ['name'],
});

export const Comment = defineModel('Comment', {
  table: 'comments',
  fields: {
    id: field.id(),
    articleId: field.integer(),
    authorId: field.integer({ null: true }),
    body: field.text(),
    createdAt: field.timestamp(),
  },
  ordering: ['createdAt', 'id'],
});

export const Reaction = defineModel('Reaction', {
  table: 'reactions',
  fields: {
    id: field.id(),
    targetType: field.text(),
    targetId: field.integer(),
    kind: field.text(),
    authorId: field.integer({ null: true }),
    createdAt: field.timestamp(),
  },
  ordering: ['id'],
});

Article.relate({
  author: forwardFk(Author, { field: 'authorId', relatedName: 'articles' }),
  category: forwardFk(Category, { field: 'categoryId', relatedName: 'articles' }),
  tags: manyToMany(Tag, {
    through: { table: 'article_tags', sourceColumn: 'article_id', targetColumn: 'tag_id' },
    relatedName: 'articles',
  }),
  reactions: genericRelation(Reaction, { typeField: 'targetType', idField: 'targetId', typeValue: 'article' }),
});

Comment.relate({
  article: forwardFk(Article, { field: 'articleId', relatedName: 'comments' }),
  author: forwardFk(Author, { field: 'authorId', relatedName: 'comments' }),
  reactions: genericRelation(Reaction, { typeField: 'targetType', idField: 'targetId', typeValue: 'comment' }),
});

Reaction.relate({
  author: forwardFk(Author, { field: 'authorId' }),
  target: genericForeignKey({ typeField: 'targetType', idField: 'targetId', models: { article: Article, comment: Comment } }),
});

export const models = { Author, Category, Article, Tag, Comment, Reaction };
