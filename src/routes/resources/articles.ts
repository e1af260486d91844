import { Article } from '../../models/index.js';
import { Q } from '../../orm/index.js';
import { declareResource } from './declare-resource.js';
import { ownedBy } from './write-rules.js';
import { publishedArticles, recentArticles } from './presets.js';
import { visibleWhen } from './visibility.js';

export const articles = declareResource({
  name: 'articles',
  model: Article,
  description: 'Articles, each by one author, in at most one category, with tags, comments and reactions.',
  filters: ['isPublished', 'authorId', 'categoryId'],
  presets: [publishedArticles, recentArticles],
  links: { tagIds: 'tags' },
  // Unpublished articles: only their author and admins see them (API.md §6).
  visibility: visibleWhen((principal) => {
    if (principal.kind === 'admin') return undefined;
    if (principal.kind === 'author') return Q.or({ isPublished: true }, { authorId: principal.authorId });
    return { isPublished: true };
  }),
  writers: ownedBy('authorId'),
});
