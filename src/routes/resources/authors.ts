import { Author } from '../../models/index.js';
import { declareResource } from './declare-resource.js';
import { selfOnly } from './write-rules.js';

export const authors = declareResource({
  name: 'authors',
  model: Author,
  description: 'People who write articles and comments.',
  filters: ['email'],
  // An author's email: for that author and admins only; filter[email] and sort=email are admin-only.
  privateFields: { names: ['email'], owner: 'id' },
  writers: selfOnly,
});
