/**
 * The HTTP error catalog: every problem the API answers with, as RFC 9457
 * `application/problem+json`. Handlers and parsers throw these; the one error
 * handler (src/plugins/error-handler.ts) renders them. Nothing else builds
 * error bodies, so every 4xx/5xx has the same shape.
 */

/** One bad query parameter: its name, the offending token and what was allowed. */
export interface ParameterIssue {
  parameter: string;
  value: string;
  detail: string;
}

/** One problem in a request body (API.md §5): a JSON Pointer into the body and what is wrong there. */
export interface BodyIssue {
  pointer: string;
  detail: string;
  /** Never set: lets code read `issue.parameter` on either kind of issue. */
  parameter?: undefined;
}

/** The JSON body of a problem response. */
export interface ProblemBody {
  type: string;
  title: string;
  status: number;
  detail: string;
  instance?: string;
  requestId?: string;
  errors?: (ParameterIssue | BodyIssue)[];
}

const TYPE_BASE = 'urn:loom:problem:';

/** A problem the client gets to see: status, title, detail, optional parameter issues and headers. */
export class ApiProblem extends Error {
  override name = 'ApiProblem';
  constructor(
    readonly status: number,
    readonly slug: string,
    readonly title: string,
    readonly detail: string,
    readonly errors?: (ParameterIssue | BodyIssue)[],
    readonly headers: Record<string, string> = {},
  ) {
    super(detail);
  }

  /** The body to send; `requestId` is added for 5xx so a user can quote it. */
  toBody(requestId?: string): ProblemBody {
    const body: ProblemBody = { type: TYPE_BASE + this.slug, title: this.title, status: this.status, detail: this.detail };
    if (this.errors) body.errors = this.errors;
    if (requestId !== undefined) body.requestId = requestId;
    return body;
  }
}

/**
 * Thrown by a query parameter parser for one bad token; the request parser
 * collects them into one 400 (see `problems.invalidParameters`).
 */
export class ParameterError extends Error {
  override name = 'ParameterError';
  constructor(readonly issue: ParameterIssue) {
    super(issue.detail);
  }
}

/** Shorthand for parsers: `throw badToken('include', 'tgas', "unknown relation ...")`. */
export function badToken(parameter: string, value: string, detail: string): ParameterError {
  return new ParameterError({ parameter, value, detail });
}

/** "a, b, c" for "expected one of …" messages. */
export function oneOf(names: Iterable<string>): string {
  const list = [...names];
  return list.length ? list.join(', ') : '(none)';
}

export const problems = {
  invalidParameters: (issues: ParameterIssue[]) =>
    new ApiProblem(
      400,
      'invalid-parameter',
      'Invalid query parameter',
      issues.length === 1 ? issues[0].detail : `${issues.length} query parameters are invalid: ${issues.map((i) => i.detail).join('; ')}`,
      issues,
    ),
  invalidId: (resource: string, value: string) =>
    new ApiProblem(400, 'invalid-id', 'Invalid id', `${resource} ids are positive integers below 2^63; got '${value}'`, [
      { parameter: 'id', value, detail: 'expected a positive integer below 2^63' },
    ]),
  notFound: (resource: string, id: string) =>
    new ApiProblem(404, 'not-found', 'Not Found', `no ${resource} with id ${id}`),
  /** `Accept: application/vnd.loom.plan+json` while EXPLAIN_ENABLED is off: as if the representation did not exist. */
  plansDisabled: () =>
    new ApiProblem(404, 'not-found', 'Not Found', 'query plans (Accept: application/vnd.loom.plan+json) are not enabled on this server'),
  routeNotFound: (method: string, url: string) =>
    new ApiProblem(404, 'not-found', 'Not Found', `no route ${method} ${url.split('?')[0]}`),
  /** Fastify's own 4xx (bad JSON, unsupported media type, ...): its message is meant for clients. */
  clientError: (status: number, message: string) =>
    new ApiProblem(status, 'bad-request', status === 400 ? 'Bad Request' : 'Client Error', message),
  /** `include`: the include path whose rows went over the budget (`articles.comments`); undefined for the page itself. */
  /** The response would be over the response budget (src/serializers/response-budget.ts). */
  responseTooLarge: ({ include, what }: { include: string; what: string }) =>
    new ApiProblem(
      400,
      'response-too-large',
      'Response too large',
      `this response would render ${what}, most of them at include '${include}'; narrow it with a preset such as comments:recent5, drop it, or ask for a smaller page[size]`,
      [{ parameter: 'include', value: include, detail: `'${include}' expands the response past the budget (${what}); use a preset that limits it per parent, leave it out, or ask for fewer rows` }],
    ),
  tooManyRows: (limit: number, include?: string) =>
    new ApiProblem(
      400,
      'too-many-rows',
      'Request too large',
      include
        ? `this request would load more than ${limit} rows at include '${include}'; narrow it with a preset such as comments:recent5, drop it, or ask for a smaller page[size]`
        : `this request would load more than ${limit} rows; ask for a smaller page[size], fewer includes, or presets such as comments:recent5`,
      include
        ? [{ parameter: 'include', value: include, detail: `loading '${include}' goes over the budget of ${limit} rows per request; use a preset that limits it per parent (e.g. :recent5) or leave it out` }]
        : undefined,
    ),
  databaseUnavailable: (retryAfterSeconds: number) =>
    new ApiProblem(503, 'database-unavailable', 'Service Unavailable', 'the database is unreachable; retry later', undefined, {
      'retry-after': String(retryAfterSeconds),
    }),
  queryTimeout: (retryAfterSeconds: number) =>
    new ApiProblem(503, 'query-timeout', 'Service Unavailable', 'the request took too long to run; narrow it or retry later', undefined, {
      'retry-after': String(retryAfterSeconds),
    }),
  /** No usable credentials (API.md §6): always with `WWW-Authenticate: Bearer`. */
  unauthorized: (detail: string) =>
    new ApiProblem(401, 'unauthorized', 'Unauthorized', detail, undefined, { 'www-authenticate': 'Bearer' }),
  /** A known principal that may not do this. */
  forbidden: (detail: string, errors?: ParameterIssue[]) => new ApiProblem(403, 'forbidden', 'Forbidden', detail, errors),
  invalidConsistencyToken: (value: string) =>
    new ApiProblem(
      400,
      'invalid-consistency-token',
      'Invalid consistency token',
      `Loom-Consistency must be a token from a write response's Loom-Consistency header, such as 0/16B3748; got '${value.slice(0, 64)}'`,
    ),
  shuttingDown: (retryAfterSeconds: number) =>
    new ApiProblem(503, 'shutting-down', 'Service Unavailable', 'this instance is shutting down; send requests to another one', undefined, {
      'retry-after': String(retryAfterSeconds),
    }),
  /** A body that is not a JSON object with a `data` object (API.md §5). */
  invalidBody: (detail: string) => new ApiProblem(400, 'invalid-body', 'Bad Request', detail),
  /** A well-formed body whose content is wrong: one issue per problem, each at its JSON Pointer. */
  unprocessable: (issues: BodyIssue[]) =>
    new ApiProblem(
      422,
      'validation-failed',
      'Unprocessable Content',
      issues.length === 1 ? `${issues[0].pointer}: ${issues[0].detail}` : `${issues.length} problems in the body: ${issues.map((i) => `${i.pointer}: ${i.detail}`).join('; ')}`,
      issues,
    ),
  /** A unique value already taken. */
  conflict: (pointer: string, detail: string) => new ApiProblem(409, 'conflict', 'Conflict', detail, [{ pointer, detail }]),
  /** The same Idempotency-Key while its first request is still running. */
  requestInFlight: () =>
    new ApiProblem(409, 'idempotency-key-in-use', 'Conflict', 'a request with this Idempotency-Key is still being processed; retry later'),
  /** If-Match named another version of the row. */
  preconditionFailed: (detail: string) => new ApiProblem(412, 'precondition-failed', 'Precondition Failed', detail),
  internal: () =>
    new ApiProblem(500, 'internal', 'Internal Server Error', 'an unexpected error occurred; quote the request id when reporting it'),
};

// Node socket errors and PostgreSQL SQLSTATEs that mean "cannot reach / use the server now".
const UNREACHABLE_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ENOTFOUND', 'ETIMEDOUT', 'EHOSTUNREACH', 'EPIPE', '57P01', '57P02', '57P03', '53300']);
const UNREACHABLE_MESSAGES = [/timeout exceeded when trying to connect/i, /connection terminated/i, /Connection refused/i, /pool .*(ended|destroyed)/i, /not queryable/i];

/** True for errors meaning the database cannot be reached (refused, pool timeout, shutting down). */
export function isDatabaseUnavailable(error: unknown): boolean {
  for (let e: any = error, depth = 0; e && depth < 5; e = e.cause, depth++) {
    if (typeof e.code === 'string' && (UNREACHABLE_CODES.has(e.code) || e.code.startsWith('08'))) return true;
    if (Array.isArray(e.errors) && e.errors.some(isDatabaseUnavailable)) return true; // AggregateError (IPv4 + IPv6)
    if (typeof e.message === 'string' && UNREACHABLE_MESSAGES.some((re) => re.test(e.message))) return true;
  }
  return false;
}

/** True for PostgreSQL's query_canceled (statement_timeout). */
export function isQueryTimeout(error: unknown): boolean {
  return (error as any)?.code === '57014';
}
