/**
 * The scalar fields of API.md's resources as [jsonName, column] pairs, in the
 * order the service writes them. Timestamps stay Date objects here:
 * JSON.stringify writes them with toISOString(), exactly as API.md asks.
 */
export const RESOURCE_FIELDS = {
  articles: [
    ['id', 'id'],
    ['authorId', 'author_id'],
    ['categoryId', 'category_id'],
    ['title', 'title'],
    ['body', 'body'],
    ['isPublished', 'is_published'],
    ['pubDate', 'pub_date'],
    ['createdAt', 'created_at'],
  ],
  authors: [
    ['id', 'id'],
    ['name', 'name'],
    ['email', 'email'],
    ['bio', 'bio'],
    ['createdAt', 'created_at'],
  ],
  categories: [
    ['id', 'id'],
    ['name', 'name'],
    ['slug', 'slug'],
  ],
  tags: [
    ['id', 'id'],
    ['name', 'name'],
    ['active', 'active'],
  ],
  comments: [
    ['id', 'id'],
    ['articleId', 'article_id'],
    ['authorId', 'author_id'],
    ['body', 'body'],
    ['createdAt', 'created_at'],
  ],
} as const satisfies Record<string, readonly (readonly [string, string])[]>;

export type FieldResource = keyof typeof RESOURCE_FIELDS;

/** A JSON object of the API (scalar fields plus whatever relations get attached). */
export type JsonObject = Record<string, unknown> & { id: number };

/** `alias.col as "prefixcol", ...` for a resource's columns. */
export function selectColumns(resource: FieldResource, alias: string, prefix = ''): string {
  return RESOURCE_FIELDS[resource].map(([, column]) => `${alias}.${column} as "${prefix}${column}"`).join(', ');
}

/** Builds the API object of `resource` from a row whose columns carry `prefix`. */
export function rowMapper(resource: FieldResource, prefix = ''): (row: Record<string, unknown>) => JsonObject {
  const pairs = RESOURCE_FIELDS[resource].map(([json, column]) => [json, prefix + column] as const);
  return (row) => {
    const object: Record<string, unknown> = {};
    for (const [json, column] of pairs) object[json] = row[column];
    return object as JsonObject;
  };
}
