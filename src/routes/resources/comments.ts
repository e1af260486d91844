import { Comment } from '../../models/index.js';
import { declareResource } from './declare-resource.js';
import { recentComments } from './presets.js';

export const comments = declareResource({
  name: 'comments',
  model: Comment,
  description: 'Comments on articles; anonymous ones have no author.',
  filters: ['articleId', 'authorId'],
  presets: [recentComments],
});
