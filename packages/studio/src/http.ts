import { collectIssues, InvalidIdError, UnsafePathError, ValidationError, type Issue, type Static, type TSchema } from '@tradecore/sdk';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { ApiError, ApiIssue } from './api.ts';

/** An error answered with its status and message as they are (the message is written for the user). */
export class HttpError extends Error {
  override name = 'HttpError';
  constructor(
    readonly status: number,
    message: string,
    readonly issues?: readonly (Issue | ApiIssue)[],
  ) {
    super(message);
  }
}

export const badRequest = (message: string, issues?: readonly (Issue | ApiIssue)[]) => new HttpError(400, message, issues);
export const notFound = (message: string) => new HttpError(404, message);
export const conflict = (message: string) => new HttpError(409, message);

/**
 * Validates a request body (or query) with the same TypeBox schemas the CLI uses, defaults applied.
 * A bad value is a 400 listing every `path: message`.
 */
export function parseInput<S extends TSchema>(schema: S, value: unknown, what = 'request body'): Static<S> {
  const issues = collectIssues(schema, value ?? {});
  if (issues.length > 0) throw badRequest(`${what} is invalid`, issues);
  return value as Static<S>;
}

/** Runs `work`, turning an id or path refused by the SDK's path helpers into a 400 naming it. */
export function guardPath<T>(work: () => T): T {
  try {
    return work();
  } catch (error) {
    if (error instanceof InvalidIdError || error instanceof UnsafePathError) throw badRequest(error.message);
    throw error;
  }
}

function body(error: string, issues?: readonly (Issue | ApiIssue)[]): ApiError {
  if (!issues || issues.length === 0) return { error };
  return { error, issues: issues.map((i) => ({ path: i.path, message: i.message, ...('line' in i && i.line ? { line: i.line } : {}) })) };
}

/**
 * One error handler for every route: expected errors are answered with their status and message; anything
 * else is logged with the request it came from and answered with a short 500, never a stack trace.
 */
export function installErrorHandler(app: FastifyInstance): void {
  app.setErrorHandler((error: FastifyError | Error, request: FastifyRequest, reply: FastifyReply) => {
    if (error instanceof HttpError) return reply.status(error.status).send(body(error.message, error.issues));
    if (error instanceof InvalidIdError || error instanceof UnsafePathError) return reply.status(400).send(body(error.message));
    if (error instanceof ValidationError) return reply.status(400).send(body(`${error.source} is invalid`, error.issues));
    const status = (error as FastifyError).statusCode;
    if (typeof status === 'number' && status >= 400 && status < 500) {
      // Fastify's own client errors (malformed JSON, body too large, unsupported media type).
      return reply.status(status).send(body(error.message));
    }
    request.log.error({ err: error, method: request.method, url: request.url }, 'request failed');
    return reply.status(500).send(body(`internal error while handling ${request.method} ${request.routeOptions.url ?? request.url}; see the studio's log`));
  });
  app.setNotFoundHandler((request, reply) => reply.status(404).send(body(`no such endpoint: ${request.method} ${request.url.split('?')[0]}`)));
}
