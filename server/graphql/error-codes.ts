// The one list of `extensions.code` values a top-level GraphQL error (or an HTTP refusal's JSON
// body) can carry, with what a program should do. docs/api.md prints the same list; a test
// checks that every error it provokes carries one of these codes.
export const ERROR_CODES = {
  GRAPHQL_PARSE_FAILED: 'The document is not valid GraphQL (HTTP 400). Fix the query text.',
  GRAPHQL_VALIDATION_FAILED:
    'The document does not match the schema: unknown field or argument, wrong type (HTTP 400).',
  QUERY_TOO_COMPLEX:
    'Over a limit: depth 12, 20 aliases, 20 directives, 3,000 tokens, cost 20,000, a list argument over 200 items or variables over 10,000 values (HTTP 400). Split the operation.',
  BAD_USER_INPUT:
    'An argument or variable has a bad value: wrong type, NUL character, bad date, time zone or year, invalid ID or cursor, negative or too large `first`/`last`. `extensions.fields` lists the bad fields when known.',
  CSRF_HEADER_REQUIRED:
    'A cookie-authenticated GET or form-encoded POST without the `x-graphql-yoga-csrf` header (HTTP 403). Send JSON with POST, or the header.',
  ORIGIN_NOT_ALLOWED: 'A browser request from an origin that is not PUBLIC_URL or in CORS_ORIGINS (HTTP 403).',
  PAYLOAD_TOO_LARGE: 'The request body is over 1 MiB (HTTP 413).',
  LENGTH_REQUIRED: 'The request body has no Content-Length (HTTP 411).',
  UNAUTHENTICATED: 'Sign in (session cookie) or send an API token.',
  SESSION_EXPIRED: 'The session cookie has expired: sign in again.',
  TOKEN_INVALID: 'The Authorization header or API token is malformed or unknown.',
  TOKEN_REVOKED: 'The API token was revoked or has expired.',
  ACCOUNT_DISABLED: 'The account is disabled by the provider.',
  FORBIDDEN: 'Signed in, but this operation is outside your role.',
  INSUFFICIENT_SCOPE:
    'A READ API token tried a mutation, or an API token tried to manage tokens (needs a signed-in session).',
  RATE_LIMITED: 'Too many requests; `extensions.retryAfterSeconds` says when to retry.',
  NOT_FOUND: 'The object does not exist or belongs to another customer (the same answer for both).',
  CONFLICT: 'The operation collides with the current state (a field outside a mutation result union).',
  TOO_MANY_SUBSCRIPTIONS: 'This WebSocket already carries WS_MAX_SUBSCRIPTIONS operations; complete one first.',
  SUBSCRIPTION_OVERFLOW:
    'A subscription ended because its client left over 1,024 live events unread (a stalled reader). Subscribe again: the current state comes first.',
  INTERNAL_SERVER_ERROR: 'A bug on our side (logged); the message says nothing more.',
} as const;

export type ErrorCode = keyof typeof ERROR_CODES;

/** Codes of the typed mutation errors (`... on Error { code }`), a separate, documented list. */
export const RESULT_ERROR_CODES = {
  VALIDATION:
    'ValidationError: `fields { path message code params }` lists every bad field (field codes: docs/api.md "Field error codes").',
  NOT_FOUND: "NotFoundError: unknown, deleted or another customer's object.",
  CONFLICT: 'ConflictError: the change collides with the current state (duplicate, already resolved…).',
  FORBIDDEN: 'ForbiddenError: not allowed for this account.',
  INVALID_CREDENTIALS: 'AuthError from `login`: unknown login id or wrong password (the same answer for both).',
  RATE_LIMITED: 'AuthError from `login`: too many failed sign-ins; `retryAfterSeconds` / `retryAfterMinutes`.',
  ACCOUNT_DISABLED: 'AuthError from `login`: the account is disabled.',
} as const;
