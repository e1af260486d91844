/**
 * A request's query string → what to load. Every parameter is checked by its
 * own parser; their issues are collected so one 400 lists all of them.
 */
import { ParameterError, type ParameterIssue, problems } from '../errors.js';
import { decodeCursor, cursorBinding, type CursorValue } from './cursor.js';
import type { Fieldsets } from './fields-parser.js';
import { parseFieldset } from './fields-parser.js';
import { parseFilter, type FilterClause } from './filter-parser.js';
import { parseCount } from './count-parser.js';
import { parseInclude, type IncludeTree } from './include-parser.js';
import { parsePageSize } from './page-parser.js';
import type { Catalog, ResourceShape } from './resources/resource.js';
import { effectiveOrdering, parseSort, type SortKey } from './sort-parser.js';

/** What one (list or detail) request asks for. */
export interface ParsedRequest {
  readonly include: IncludeTree;
  readonly fields: Fieldsets;
}

export interface ParsedListRequest extends ParsedRequest {
  /** The full ordering (sort keys, then id unless named). */
  readonly ordering: readonly SortKey[];
  readonly filters: readonly FilterClause[];
  readonly pageSize: number;
  /** Ordering values of the row to continue after (page[after]). */
  readonly after?: readonly CursorValue[];
  /** Fingerprint of ordering + filters, for the next cursor. */
  readonly binding: string;
}

type Query = Record<string, unknown>;

const FIELDS = /^fields\[([^\]]*)\]$/;
const FILTER = /^filter\[([^\]]*)\]$/;
const LIST_PARAMETERS = 'include, fields[<resource>], count, sort, filter[<field>], page[size], page[after]';

/** Runs parsers, turning their ParameterErrors into one 400 listing every issue. */
class IssueCollector {
  readonly issues: ParameterIssue[] = [];
  run<T>(fn: () => T): T | undefined {
    try {
      return fn();
    } catch (error) {
      if (!(error instanceof ParameterError)) throw error;
      this.issues.push(error.issue);
      return undefined;
    }
  }
  add(parameter: string, value: string, detail: string): void {
    this.issues.push({ parameter, value, detail });
  }
  throwIfAny(): void {
    if (this.issues.length) throw problems.invalidParameters(this.issues);
  }
}

/** Single string values by name; a repeated or unknown parameter is an issue. */
function singleValues(query: Query, issues: IssueCollector, allowed: (name: string) => string | undefined): Map<string, string> {
  const values = new Map<string, string>();
  for (const [name, value] of Object.entries(query)) {
    const refusal = allowed(name);
    if (refusal) {
      issues.add(name, name, refusal);
    } else if (Array.isArray(value)) {
      issues.add(name, name, `${name} is given ${value.length} times; give it once`);
    } else {
      values.set(name, String(value));
    }
  }
  return values;
}

function parseCommon(values: Map<string, string>, resource: ResourceShape, catalog: Catalog, issues: IssueCollector): ParsedRequest {
  const include = issues.run(() => parseInclude(values.get('include'), resource, catalog));
  // Counts name include paths, so they are checked against a valid include only.
  if (include) issues.run(() => parseCount(values.get('count'), include, catalog));
  const fields = new Map<string, string[]>();
  for (const [name, value] of values) {
    const match = FIELDS.exec(name);
    if (!match) continue;
    const list = issues.run(() => parseFieldset(match[1], value, catalog));
    if (list) fields.set(match[1], list);
  }
  return { include: include ?? { resource, children: new Map() }, fields };
}

/**
 * Parses the query of `GET /{resource}`.
 *
 * ```ts
 * parseListRequest(articles, { include: 'tags', sort: '-pubDate', 'page[size]': '5' }, catalog)
 * ```
 */
export function parseListRequest(resource: ResourceShape, query: Query, catalog: Catalog): ParsedListRequest {
  const issues = new IssueCollector();
  const values = singleValues(query, issues, (name) =>
    ['include', 'count', 'sort', 'page[size]', 'page[after]'].includes(name) || FIELDS.test(name) || FILTER.test(name)
      ? undefined
      : `unknown query parameter '${name}'; expected ${LIST_PARAMETERS}`,
  );
  const common = parseCommon(values, resource, catalog, issues);
  const sort = issues.run(() => parseSort(values.get('sort'), resource, new Set(common.include.counts?.keys())));
  const filters: FilterClause[] = [];
  for (const [name, value] of values) {
    const match = FILTER.exec(name);
    const clause = match && issues.run(() => parseFilter(match[1], value, resource));
    if (clause) filters.push(clause);
  }
  const pageSize = issues.run(() => parsePageSize(values.get('page[size]')));
  issues.throwIfAny();
  const ordering = effectiveOrdering(sort!);
  const binding = cursorBinding(resource.name, ordering, filters);
  const rawAfter = values.get('page[after]');
  const after = rawAfter === undefined ? undefined : issues.run(() => decodeCursor(rawAfter, binding, ordering, resource));
  issues.throwIfAny();
  return { ...common, ordering, filters, pageSize: pageSize!, after, binding };
}

/** Parses the query of `GET /{resource}/{id}`: only include, count and fields[...] are allowed. */
export function parseDetailRequest(resource: ResourceShape, query: Query, catalog: Catalog): ParsedRequest {
  const issues = new IssueCollector();
  const values = singleValues(query, issues, (name) => {
    if (name === 'include' || name === 'count' || FIELDS.test(name)) return undefined;
    if (name === 'sort' || FILTER.test(name) || name.startsWith('page[')) {
      return `${name} is not allowed on a single ${resource.name} (GET /${resource.name}/{id}); only include, count and fields[<resource>] are`;
    }
    return `unknown query parameter '${name}'; expected include, fields[<resource>], count`;
  });
  const common = parseCommon(values, resource, catalog, issues);
  issues.throwIfAny();
  return common;
}

const ID = /^[1-9]\d{0,18}$/;

/** Parses a path id: a positive integer below 2^63, else a 400. Returns null for ids no row can have. */
export function parseId(resource: string, raw: string): number | null {
  if (!ID.test(raw) || BigInt(raw) >= 2n ** 63n) throw problems.invalidId(resource, raw);
  const id = Number(raw);
  // ids are read as JavaScript numbers (src/db/database.ts): none is past 2^53, so such an id is a 404.
  return Number.isSafeInteger(id) ? id : null;
}
