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
          parameter: z.string().describe('the query parameter'),
          value: z.string().describe('the offending token'),
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

/** `{ data: {...} }` for one `item`. */
export function singleSchema(item: z.ZodType, id: string): z.ZodType {
  return z.object({ data: item }).meta({ id });
}
