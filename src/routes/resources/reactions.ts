import { Reaction } from '../../models/index.js';
import { declareResource } from './declare-resource.js';

export const reactions = declareResource({
  name: 'reactions',
  model: Reaction,
  description: "Reactions ('like', 'love', ...) to an article or a comment (a generic relation).",
  filters: ['targetType', 'kind', 'authorId'],
});
