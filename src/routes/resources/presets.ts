/**
 * The presets of API.md §3: named Prefetch querysets. Each is declared once
 * and listed in its target resource's `presets`, which makes it valid on
 * every to-many relation that points at that resource (article.comments and
 * author.comments alike). Slices are per parent: the ORM partitions a sliced
 * Prefetch queryset by the parent key.
 */
import { countedPreset, namedPreset } from './resource.js';

export const recentComments = countedPreset({
  prefix: 'recent',
  min: 1,
  max: 50,
  example: 5,
  description: 'the N newest comments per parent, by createdAt desc, id desc',
  apply: (comments, n) => comments.orderBy('-createdAt', '-id').slice(0, n),
});

export const publishedArticles = namedPreset({
  name: 'published',
  description: 'only published articles, by pubDate desc, id desc',
  apply: (articles) => articles.filter({ isPublished: true }).orderBy('-pubDate', '-id'),
});

export const recentArticles = countedPreset({
  prefix: 'recent',
  min: 1,
  max: 50,
  example: 5,
  description: 'the N newest published articles per parent, by pubDate desc, id desc',
  apply: (articles, n) => articles.filter({ isPublished: true }).orderBy('-pubDate', '-id').slice(0, n),
});

export const activeTags = namedPreset({
  name: 'active',
  description: 'only active tags (by name)',
  apply: (tags) => tags.filter({ active: true }).orderBy('name'),
});
