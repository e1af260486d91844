/**
 * Running a plan: the page query (filters, ordering, keyset, size + 1 rows to
 * know whether there is a next page) or the detail query, with the planned
 * includes, then converting the instances to response objects.
 */
import type { Principal } from '../auth/principal.js';
import { type ParameterIssue, problems } from '../errors.js';
import { type ModelInstance, type QuerySet, type Session, versionOf } from '../orm/index.js';
import { converterFor } from '../serializers/converter.js';
import { ResponseMeter, type ResponseLimits } from '../serializers/response-budget.js';
import { encodeCursor } from './cursor.js';
import { keysetSegments } from './keyset.js';
import { filterArguments, planIncludes } from './planner.js';
import type { ParsedListRequest, ParsedRequest } from './request-parser.js';
import type { Resource } from './resources/index.js';
import { viewerOf } from './resources/visibility.js';
import { orderByArguments } from './sort-parser.js';

type Resources = ReadonlyMap<string, Resource>;

export interface LoadedPage {
  data: Record<string, unknown>[];
  /** The cursor of the next page, or null on the last page. */
  nextCursor: string | null;
}

/** Loads one page of `resource` as asked by `request`. */
export async function loadPage(
  session: Session,
  resource: Resource,
  request: ParsedListRequest,
  resources: Resources,
  principal: Principal,
  limits: ResponseLimits,
): Promise<LoadedPage> {
  refusePrivateKeys(resource, request, principal);
  let queryset = visibleRows(session, resource, principal);
  for (const condition of filterArguments(request.filters)) queryset = queryset.filter(condition as any);
  queryset = queryset.orderBy(...orderByArguments(request.ordering));
  // The ordering fields are loaded even when a fieldset leaves them out: the next cursor needs them.
  const fields = withFields(request, resource, request.ordering.map((key) => key.field).filter((field) => field in resource.fields));
  // The response budget is measured as each include level is loaded: a request past it stops there.
  const meter = new ResponseMeter(resource, request.include.children, request.fields, resources, limits);
  const planned = planIncludes(queryset, resource, request.include.children, fields, resources, principal, request.include.counts).onPrefetched((roots) => meter.measure(roots));
  // One look-ahead row tells whether a next page exists; the includes are loaded for the page alone.
  // After a cursor, the rows come segment by segment of the keyset (keyset.ts), each with an
  // index-bounded condition; a later segment is queried only when the earlier ran short.
  const segments = request.after ? keysetSegments(request.ordering, request.after, resource) : undefined;
  const { rows: page, hasNext } = await planned.page(request.pageSize, { segments });
  const last = page[page.length - 1] as (ModelInstance & Record<string, unknown>) | undefined;
  const nextCursor =
    hasNext && last
      ? encodeCursor(request.binding, request.ordering.map((key) => last[key.field] as never))
      : null;
  // Before anything is converted: what no prefetch query measured (the page alone, to-one includes).
  meter.measure(page);
  const convert = converterFor(resource, request.include, request.fields, resources);
  const viewer = viewerOf(principal);
  return { data: page.map((row) => convert(row, viewer)), nextCursor };
}

/** One object as a response shows it, with its row version when it was asked for. */
export interface LoadedOne {
  data: Record<string, unknown>;
  version?: string;
}

/** Loads one object by id, or undefined; `version`: also read the row's version (for a strong ETag). */
export async function loadOne(
  session: Session,
  resource: Resource,
  id: number,
  request: ParsedRequest,
  resources: Resources,
  principal: Principal,
  options: { version?: boolean; limits: ResponseLimits },
): Promise<LoadedOne | undefined> {
  let queryset = visibleRows(session, resource, principal).filter({ id });
  if (options.version) queryset = queryset.withVersion();
  const meter = new ResponseMeter(resource, request.include.children, request.fields, resources, options.limits);
  const planned = planIncludes(queryset, resource, request.include.children, request.fields, resources, principal, request.include.counts);
  const rows: ModelInstance[] = await planned.onPrefetched((roots) => meter.measure(roots));
  if (rows.length === 0) return undefined;
  meter.measure(rows);
  const data = converterFor(resource, request.include, request.fields, resources)(rows[0], viewerOf(principal));
  return { data, version: versionOf(rows[0]) };
}

/** A strong ETag applies to a single object without include, fields or counts (API.md §5): its row alone. */
export function wholeObject(request: ParsedRequest): boolean {
  return request.include.children.size === 0 && (request.include.counts?.size ?? 0) === 0 && request.fields.size === 0;
}

/**
 * Filtering or sorting by a private field (`filter[email]`, `sort=email`)
 * would tell who has which value: admins only (API.md §6), else 403.
 */
function refusePrivateKeys(resource: Resource, request: ParsedListRequest, principal: Principal): void {
  const names = resource.privateFields?.names;
  if (!names || principal.kind === 'admin') return;
  const issues: ParameterIssue[] = [];
  for (const { field } of request.filters) {
    if (names.includes(field)) issues.push({ parameter: `filter[${field}]`, value: field, detail: `only admins may filter ${resource.name} by ${field}` });
  }
  for (const { field } of request.ordering) {
    if (names.includes(field)) issues.push({ parameter: 'sort', value: field, detail: `only admins may sort ${resource.name} by ${field}` });
  }
  if (issues.length) throw problems.forbidden(issues.map((issue) => issue.detail).join('; '), issues);
}

/** The rows of `resource` that `principal` may see, on `db`. */
export function visibleRows(session: Session, resource: Resource, principal: Principal): QuerySet<any> {
  const queryset = (resource.model.objects as QuerySet<any>).using(session);
  const condition = resource.visibility(principal);
  return condition ? queryset.filter(condition) : queryset;
}

/** The request's fieldsets with `extra` fields of the root resource added to what is loaded. */
function withFields(request: ParsedRequest, resource: Resource, extra: string[]): ParsedRequest['fields'] {
  const own = request.fields.get(resource.name);
  if (!own) return request.fields;
  return new Map([...request.fields, [resource.name, [...new Set([...own, ...extra])]]]);
}
