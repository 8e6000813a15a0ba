import { AirlockError } from '@airlock/core';

/** RFC 6750 §3.1 error codes a resource server answers with. */
export type BearerErrorCode = 'invalid_request' | 'invalid_token' | 'insufficient_scope';

export interface ChallengeInput {
  /** The RFC 9728 metadata URL of the resource (MCP clients start discovery from it). */
  readonly resourceMetadata: string;
  /** Absent when no token was presented (RFC 6750 §3.1: then no error code). */
  readonly error?: BearerErrorCode;
  readonly description?: string;
  readonly scope?: readonly string[];
}

function quoted(value: string): string {
  // Header values must stay on one line and inside quotes; descriptions are ours, but be strict.
  return `"${value.replace(/[\r\n]+/g, ' ').replace(/["\\]/g, "'")}"`;
}

/** A `WWW-Authenticate: Bearer ...` value. */
export function bearerChallenge(input: ChallengeInput): string {
  const params = [`resource_metadata=${quoted(input.resourceMetadata)}`];
  if (input.error !== undefined) params.push(`error=${quoted(input.error)}`);
  if (input.description !== undefined) params.push(`error_description=${quoted(input.description)}`);
  if (input.scope !== undefined && input.scope.length > 0)
    params.push(`scope=${quoted(input.scope.join(' '))}`);
  return `Bearer ${params.join(', ')}`;
}

/**
 * Refusals of a request's credentials. Each carries the challenge in `data.wwwAuthenticate`; the
 * HTTP layer sends it as the header (and keeps it out of the JSON body).
 */
export class AuthChallenges {
  constructor(
    private readonly metadataUrlOf: (connection: string) => string,
    private readonly scopeHint: readonly string[] | undefined,
  ) {}

  /** 401: no token, or a token that is not valid (expired, wrong audience, bad signature, ...). */
  unauthenticated(connection: string, message: string, tokenPresented: boolean): AirlockError {
    const wwwAuthenticate = bearerChallenge({
      resourceMetadata: this.metadataUrlOf(connection),
      ...(tokenPresented ? { error: 'invalid_token' as const, description: message } : {}),
      ...(this.scopeHint ? { scope: this.scopeHint } : {}),
    });
    return new AirlockError('unauthenticated', message, { data: { wwwAuthenticate } });
  }

  /** 403: a valid token without the scopes this resource requires. */
  insufficientScope(connection: string, message: string, required: readonly string[]): AirlockError {
    const wwwAuthenticate = bearerChallenge({
      resourceMetadata: this.metadataUrlOf(connection),
      error: 'insufficient_scope',
      description: message,
      scope: required,
    });
    return new AirlockError('insufficient_scope', message, {
      data: { wwwAuthenticate, requiredScopes: [...required] },
    });
  }

  /** 400: a token somewhere other than the Authorization header (a URL ends up in logs and history). */
  tokenInQuery(connection: string, message: string): AirlockError {
    const wwwAuthenticate = bearerChallenge({
      resourceMetadata: this.metadataUrlOf(connection),
      error: 'invalid_request',
      description: message,
    });
    return new AirlockError('token_in_query', message, { data: { wwwAuthenticate } });
  }
}
