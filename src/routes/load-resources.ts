/**
 * Running a plan: the page query (filters, ordering, keyset, size + 1 rows to
 * know whether there is a next page) or the detail query, with the planned
 * includes, then converting the instances to response objects.
 */
import type { Kysely } from 'kysely';
import { type ModelInstance, prefetchRelatedObjects, type QuerySet, versionOf } from '../orm/index.js';
import { converterFor } from '../serializers/converter.js';
import { encodeCursor } from './cursor.js';
import { keysetSegments } from './keyset.js';
import { filterArguments, planIncludes } from './planner.js';
import type { ParsedListRequest, ParsedRequest } from './request-parser.js';
import type { Resource } from './resources/index.js';
import { orderByArguments } from './sort-parser.js';

type Resources = ReadonlyMap<string, Resource>;

export interface LoadedPage {
  data: Record<string, unknown>[];
  /** The cursor of the next page, or null on the last page. */
  nextCursor: string | null;
}

/** Loads one page of `resource` as asked by `request`. */
export async function loadPage(db: Kysely<any>, resource: Resource, request: ParsedListRequest, resources: Resources): Promise<LoadedPage> {
  let queryset = (resource.model.objects as QuerySet<any>).using(db);
  for (const condition of filterArguments(request.filters)) queryset = queryset.filter(condition as any);
  queryset = queryset.orderBy(...orderByArguments(request.ordering));
  // The ordering fields are loaded even when a fieldset leaves them out: the next cursor needs them.
  const fields = withFields(request, resource, request.ordering.map((key) => key.field).filter((field) => field in resource.fields));
  const planned = planIncludes(queryset, resource, request.include.children, fields, resources, request.include.counts);
  // The extra row only tells whether a next page exists: the includes are loaded for the page alone.
  const rows = await pageRows(planned.withoutPrefetch(), request, resource);
  const page = rows.slice(0, request.pageSize);
  if (page.length && planned.prefetchLookups.length) await prefetchRelatedObjects(page, { db }, ...planned.prefetchLookups);
  const last = page[page.length - 1] as (ModelInstance & Record<string, unknown>) | undefined;
  const nextCursor =
    rows.length > request.pageSize && last
      ? encodeCursor(request.binding, request.ordering.map((key) => last[key.field] as never))
      : null;
  const convert = converterFor(resource, request.include, request.fields, resources);
  return { data: page.map(convert), nextCursor };
}

/**
 * The page's rows and the one after: from the start, or segment by segment of
 * the keyset after the cursor (keyset.ts), each with an index-bounded
 * condition; a later segment is queried only when the earlier run short.
 */
async function pageRows(queryset: QuerySet<any>, request: ParsedListRequest, resource: Resource): Promise<ModelInstance[]> {
  const wanted = request.pageSize + 1;
  if (!request.after) return queryset.slice(0, wanted);
  const rows: ModelInstance[] = [];
  for (const segment of keysetSegments(request.ordering, request.after, resource)) {
    rows.push(...(await queryset.filter(segment).slice(0, wanted - rows.length)));
    if (rows.length >= wanted) break;
  }
  return rows;
}

/** One object as a response shows it, with its row version when it was asked for. */
export interface LoadedOne {
  data: Record<string, unknown>;
  version?: string;
}

/** Loads one object by id, or undefined; `version`: also read the row's version (for a strong ETag). */
export async function loadOne(
  db: Kysely<any>,
  resource: Resource,
  id: number,
  request: ParsedRequest,
  resources: Resources,
  options: { version?: boolean } = {},
): Promise<LoadedOne | undefined> {
  let queryset = (resource.model.objects as QuerySet<any>).using(db).filter({ id });
  if (options.version) queryset = queryset.withVersion();
  const rows: ModelInstance[] = await planIncludes(queryset, resource, request.include.children, request.fields, resources, request.include.counts);
  if (rows.length === 0) return undefined;
  return { data: converterFor(resource, request.include, request.fields, resources)(rows[0]), version: versionOf(rows[0]) };
}

/** A strong ETag applies to a single object without include, fields or counts (API.md §5): its row alone. */
export function wholeObject(request: ParsedRequest): boolean {
  return request.include.children.size === 0 && (request.include.counts?.size ?? 0) === 0 && request.fields.size === 0;
}

/** The request's fieldsets with `extra` fields of the root resource added to what is loaded. */
function withFields(request: ParsedRequest, resource: Resource, extra: string[]): ParsedRequest['fields'] {
  const own = request.fields.get(resource.name);
  if (!own) return request.fields;
  return new Map([...request.fields, [resource.name, [...new Set([...own, ...extra])]]]);
}
