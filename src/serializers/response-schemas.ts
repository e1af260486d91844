/** The envelopes of API.md §4 (`{ data, links }`, `{ data }`) and the problem+json body. */
import { z } from 'zod';

export const ProblemSchema = z
  .object({
    type: z.string(),
    title: z.string(),
    status: z.int(),
    detail: z.string(),
    requestId: z.string().optional().describe('present on 5xx: quote it when reporting the error'),
    errors: z
      .array(
        z.object({
          parameter: z.string().optional().describe('the query parameter (a bad query parameter)'),
          value: z.string().optional().describe('the offending token (a bad query parameter)'),
          pointer: z.string().optional().describe('JSON Pointer to the offending member of the request body (a bad body, 409, 422)'),
          detail: z.string().describe('what is wrong and what is allowed'),
        }),
      )
      .optional(),
  })
  .meta({ id: 'Problem', description: 'RFC 9457 problem details (application/problem+json)' });

/** `{ data: [...], links: { next } }` for a list of `item`. */
export function pageSchema(item: z.ZodType, id: string): z.ZodType {
  return z
    .object({
      data: z.array(item),
      links: z.object({
        next: z.string().nullable().describe('relative URL of the next page; null on the last page'),
      }),
    })
    .meta({ id });
}

const singles = new Map<string, z.ZodType>();

/** `{ data: {...} }` for one `item`; one schema per id, however many routes answer with it. */
export function singleSchema(item: z.ZodType, id: string): z.ZodType {
  let schema = singles.get(id);
  if (!schema) singles.set(id, (schema = z.object({ data: item }).meta({ id })));
  return schema;
}
