import { Category } from '../../models/index.js';
import { declareResource } from './declare-resource.js';
import { adminOnly } from './write-rules.js';

export const categories = declareResource({
  name: 'categories',
  model: Category,
  description: 'Article categories.',
  filters: ['slug'],
  writers: adminOnly,
});
