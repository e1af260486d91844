/**
 * Every resource the API serves. Adding one is a file next to this one and a
 * line here; routes, docs and serializers follow from it.
 */
import { articles } from './articles.js';
import { authors } from './authors.js';
import { categories } from './categories.js';
import { comments } from './comments.js';
import { buildResources } from './declare-resource.js';
import { reactions } from './reactions.js';
import { tags } from './tags.js';

export type { Resource } from './declare-resource.js';

export const resources = buildResources([authors, articles, categories, tags, comments, reactions]);
