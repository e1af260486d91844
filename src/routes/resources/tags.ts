import { Tag } from '../../models/index.js';
import { declareResource } from './declare-resource.js';
import { adminOnly } from './write-rules.js';
import { activeTags } from './presets.js';

export const tags = declareResource({
  name: 'tags',
  model: Tag,
  description: 'Tags on articles (many-to-many).',
  filters: ['active'],
  presets: [activeTags],
  writers: adminOnly,
});
