/**
 * The domain of API.md section 1, declared for the ORM. Models are declared
 * first with their fields; relations are attached afterwards so that models
 * can point at each other in both directions. Declaring a forward FK or a
 * many-to-many with a `relatedName` also installs the reverse relation.
 */
import {
  defineModel,
  field,
  forwardFk,
  genericForeignKey,
  genericRelation,
  type InstanceOf,
  manyToMany,
  type RelatedManager,
} from '../orm/index.js';

/*
 * The TypeScript shape of each model's relations. Models that point at each
 * other cannot infer these, so they are spelled out once here; `relate()`
 * below attaches the same relations at run time.
 */
export interface AuthorRelations {
  articles: RelatedManager<ArticleInstance>;
  comments: RelatedManager<CommentInstance>;
}
export interface CategoryRelations {
  articles: RelatedManager<ArticleInstance>;
}
export interface ArticleRelations {
  author: AuthorInstance;
  category: CategoryInstance | null;
  tags: RelatedManager<TagInstance>;
  comments: RelatedManager<CommentInstance>;
  reactions: RelatedManager<ReactionInstance>;
}
export interface TagRelations {
  articles: RelatedManager<ArticleInstance>;
}
export interface CommentRelations {
  article: ArticleInstance;
  author: AuthorInstance | null;
  reactions: RelatedManager<ReactionInstance>;
}
export interface ReactionRelations {
  author: AuthorInstance | null;
  target: ArticleInstance | CommentInstance | null;
}

export type AuthorInstance = InstanceOf<typeof Author>;
export type CategoryInstance = InstanceOf<typeof Category>;
export type ArticleInstance = InstanceOf<typeof Article>;
export type TagInstance = InstanceOf<typeof Tag>;
export type CommentInstance = InstanceOf<typeof Comment>;
export type ReactionInstance = InstanceOf<typeof Reaction>;

export const Author = defineModel('Author', {
  table: 'authors',
  fields: {
    id: field.id(),
    name: field.text(),
    email: field.text(),
    bio: field.text({ null: true }),
    createdAt: field.timestamp({ default: () => new Date() }),
  },
  ordering: ['id'],
}).withRelations<AuthorRelations>();

export const Category = defineModel('Category', {
  table: 'categories',
  fields: { id: field.id(), name: field.text(), slug: field.text() },
  ordering: ['id'],
}).withRelations<CategoryRelations>();

export const Article = defineModel('Article', {
  table: 'articles',
  fields: {
    id: field.id(),
    authorId: field.integer(),
    categoryId: field.integer({ null: true }),
    title: field.text(),
    body: field.text(),
    isPublished: field.boolean({ default: false }),
    pubDate: field.timestamp({ null: true }),
    createdAt: field.timestamp({ default: () => new Date() }),
  },
  ordering: ['id'],
}).withRelations<ArticleRelations>();

export const Tag = defineModel('Tag', {
  table: 'tags',
  fields: { id: field.id(), name: field.text(), active: field.boolean({ default: true }) },
  ordering: ['name'],
}).withRelations<TagRelations>();

export const Comment = defineModel('Comment', {
  table: 'comments',
  fields: {
    id: field.id(),
    articleId: field.integer(),
    authorId: field.integer({ null: true }),
    body: field.text(),
    createdAt: field.timestamp({ default: () => new Date() }),
  },
  ordering: ['createdAt', 'id'],
}).withRelations<CommentRelations>();

export const Reaction = defineModel('Reaction', {
  table: 'reactions',
  fields: {
    id: field.id(),
    targetType: field.text(),
    targetId: field.integer(),
    kind: field.text(),
    authorId: field.integer({ null: true }),
    createdAt: field.timestamp({ default: () => new Date() }),
  },
  ordering: ['id'],
}).withRelations<ReactionRelations>();

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
