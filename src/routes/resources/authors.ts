import { Author } from '../../models/index.js';
import { declareResource } from './declare-resource.js';

export const authors = declareResource({
  name: 'authors',
  model: Author,
  description: 'People who write articles and comments.',
  filters: ['email'],
});
