import { Comment } from '../../models/index.js';
import { declareResource } from './declare-resource.js';
import { ownedBy } from './write-rules.js';
import { recentComments } from './presets.js';
import { visibleWith } from './visibility.js';

export const comments = declareResource({
  name: 'comments',
  model: Comment,
  description: 'Comments on articles; anonymous ones have no author.',
  filters: ['articleId', 'authorId'],
  presets: [recentComments],
  // Visible to whoever sees their article.
  visibility: visibleWith('article'),
  writers: ownedBy('authorId'),
});
