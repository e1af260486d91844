/**
 * The resources of API.md §1 as plain shapes, so the query parsers can be
 * tested without models or a database. test/routes/resources.test.ts checks
 * that the real resources (built from the models) have these very shapes.
 */
import { activeTags, publishedArticles, recentArticles, recentComments } from '../../src/routes/resources/presets.js';
import type { Catalog, FieldKind, RelationShape, ResourceShape } from '../../src/routes/resources/resource.js';

const f = (kind: FieldKind, nullable = false) => ({ kind, nullable });
const one = (name: string, target: string, nullable = false): RelationShape => ({ name, many: false, joinable: true, nullable, targets: [target] });
const many = (name: string, target: string): RelationShape => ({ name, many: true, joinable: false, nullable: false, targets: [target] });
const rels = (...list: RelationShape[]) => Object.fromEntries(list.map((r) => [r.name, r]));

const shapes: ResourceShape[] = [
  {
    name: 'authors',
    fields: { id: f('id'), name: f('text'), email: f('text'), bio: f('text', true), createdAt: f('timestamp') },
    relations: rels(many('articles', 'articles'), many('comments', 'comments')),
    presets: [],
    filters: ['email'],
  },
  {
    name: 'categories',
    fields: { id: f('id'), name: f('text'), slug: f('text') },
    relations: rels(many('articles', 'articles')),
    presets: [],
    filters: ['slug'],
  },
  {
    name: 'articles',
    fields: {
      id: f('id'), authorId: f('integer'), categoryId: f('integer', true), title: f('text'), body: f('text'),
      isPublished: f('boolean'), pubDate: f('timestamp', true), createdAt: f('timestamp'),
    },
    relations: rels(one('author', 'authors'), one('category', 'categories', true), many('tags', 'tags'), many('reactions', 'reactions'), many('comments', 'comments')),
    presets: [publishedArticles, recentArticles],
    filters: ['isPublished', 'authorId', 'categoryId'],
  },
  {
    name: 'tags',
    fields: { id: f('id'), name: f('text'), active: f('boolean') },
    relations: rels(many('articles', 'articles')),
    presets: [activeTags],
    filters: ['active'],
  },
  {
    name: 'comments',
    fields: { id: f('id'), articleId: f('integer'), authorId: f('integer', true), body: f('text'), createdAt: f('timestamp') },
    relations: rels(one('article', 'articles'), one('author', 'authors', true), many('reactions', 'reactions')),
    presets: [recentComments],
    filters: ['articleId', 'authorId'],
  },
  {
    name: 'reactions',
    fields: {
      id: f('id'), targetType: f('text'), targetId: f('integer'), kind: f('text'), authorId: f('integer', true), createdAt: f('timestamp'),
    },
    relations: rels(one('author', 'authors', true), { name: 'target', many: false, joinable: false, nullable: true, targets: ['articles', 'comments'] }),
    presets: [],
    filters: ['targetType', 'kind', 'authorId'],
  },
];

export const catalog: Catalog = new Map(shapes.map((shape) => [shape.name, shape]));
export const shape = (name: string): ResourceShape => catalog.get(name)!;
