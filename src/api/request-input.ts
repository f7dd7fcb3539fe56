import type { FastifySchemaCompiler } from 'fastify';
import type { z } from 'zod';
import { formatIssues } from '../errors.js';

/**
 * A request part (body, query string) that does not parse. Answered 400 with the problems, each naming
 * its field, so a client learns every mistake at once.
 */
export class RequestInputError extends Error {
  readonly statusCode = 400;
  /** Set by Fastify: which part of the request was refused (`body`, `querystring`, `params`). */
  validationContext?: string;
  readonly problems: string[];

  constructor(issues: readonly z.core.$ZodIssue[]) {
    const problems = formatIssues(issues);
    super(problems.join('; '));
    this.name = 'RequestInputError';
    this.problems = problems;
  }
}

/**
 * Route input parsed by the route's zod schema (the schemas that type the handlers through the zod type
 * provider). Unlike the provider's own compiler, this one parses with `reportInput`, so a 400 says
 * "required" for an absent value and what is wrong with a present one.
 */
export const zodInputCompiler: FastifySchemaCompiler<z.ZodType> =
  ({ schema }) =>
  (data) => {
    const parsed = schema.safeParse(data, { reportInput: true });
    return parsed.success ? { value: parsed.data } : { error: new RequestInputError(parsed.error.issues) };
  };

/** How a 400 names the refused part, as the API has always named it. */
export function describeRequestPart(validationContext: string | undefined): string {
  return validationContext === 'body' ? 'request body' : 'query';
}
