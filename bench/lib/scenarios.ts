/**
 * The four request shapes of issue 4, shared by the runner and by every
 * implementation's server so that all of them answer exactly the same URLs.
 */
export type ResourceName = 'articles' | 'authors';

export interface Scenario {
  /** Short id used in progress output and file names. */
  id: string;
  resource: ResourceName;
  include: string;
}

export const SCENARIOS: readonly Scenario[] = [
  { id: 'articles-full', resource: 'articles', include: 'author,category,tags,comments:recent5' },
  { id: 'articles-tags', resource: 'articles', include: 'tags' },
  { id: 'authors-articles-comments', resource: 'authors', include: 'articles.comments' },
  { id: 'articles-author-recent', resource: 'articles', include: 'author.articles:recent5' },
];

export const PAGE_SIZES: readonly number[] = [10, 50, 100];

/** The page size the chart compares at. */
export const CHART_PAGE_SIZE = 50;

/** The key used in results JSON, e.g. `articles?include=tags&page[size]=50`. */
export function scenarioKey(scenario: Scenario, pageSize: number): string {
  return `${scenario.resource}?include=${scenario.include}&page[size]=${pageSize}`;
}

/** The request path for a scenario, with the brackets percent-encoded as a browser would send them. */
export function scenarioPath(scenario: Scenario, pageSize: number): string {
  return `/${scenario.resource}?include=${encodeURIComponent(scenario.include)}&page%5Bsize%5D=${pageSize}`;
}
