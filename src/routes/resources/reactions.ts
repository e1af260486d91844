import { Reaction } from '../../models/index.js';
import { declareResource } from './declare-resource.js';
import { ownedBy } from './write-rules.js';
import { visibleWith } from './visibility.js';

export const reactions = declareResource({
  name: 'reactions',
  model: Reaction,
  description: "Reactions ('like', 'love', ...) to an article or a comment (a generic relation).",
  filters: ['targetType', 'kind', 'authorId'],
  // Visible to whoever sees their target (an article, or a comment: its article).
  visibility: visibleWith('target'),
  writers: ownedBy('authorId'),
});
