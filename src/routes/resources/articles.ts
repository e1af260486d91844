import { Article } from '../../models/index.js';
import { declareResource } from './declare-resource.js';
import { publishedArticles, recentArticles } from './presets.js';

export const articles = declareResource({
  name: 'articles',
  model: Article,
  description: 'Articles, each by one author, in at most one category, with tags, comments and reactions.',
  filters: ['isPublished', 'authorId', 'categoryId'],
  presets: [publishedArticles, recentArticles],
  links: { tagIds: 'tags' },
});
