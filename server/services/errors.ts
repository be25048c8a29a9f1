// Domain errors: expected failures with a code, mapped to typed GraphQL errors by the
// errors plugin. Anything else is a bug and is masked by Yoga.

export type ProblemParams = Record<string, string | number>;

export interface FieldProblem {
  path: string[];
  message: string;
  /** A stable code a client translates (docs/api.md "Field error codes"); INVALID when absent. */
  code?: string;
  /** The values the translated sentence needs (e.g. { min: 1, max: 100 }). */
  params?: ProblemParams;
}

export abstract class DomainError extends Error {
  abstract readonly code: string;
}

export class ValidationError extends DomainError {
  readonly code = 'VALIDATION';
  constructor(readonly fields: FieldProblem[]) {
    super(fields.map((f) => `${f.path.join('.') || 'input'}: ${f.message}`).join('; '));
    this.name = 'ValidationError';
  }
  static field(path: string | string[], message: string, code?: string, params?: ProblemParams): ValidationError {
    return new ValidationError([
      { path: Array.isArray(path) ? path : [path], message, ...(code ? { code } : {}), ...(params ? { params } : {}) },
    ]);
  }
}

export type AuthErrorCode =
  | 'INVALID_CREDENTIALS'
  | 'RATE_LIMITED'
  | 'UNAUTHENTICATED'
  | 'SESSION_EXPIRED'
  | 'TOKEN_INVALID'
  | 'TOKEN_REVOKED'
  | 'ACCOUNT_DISABLED';

export class AuthError extends DomainError {
  constructor(
    readonly code: AuthErrorCode,
    message: string,
    readonly retryAfterSeconds?: number,
  ) {
    super(message);
    this.name = 'AuthError';
  }
}

export class NotFoundError extends DomainError {
  readonly code = 'NOT_FOUND';
  constructor(what: string) {
    super(`${what} not found`);
    this.name = 'NotFoundError';
  }
}

export class ForbiddenError extends DomainError {
  readonly code = 'FORBIDDEN';
  constructor(message = 'not allowed') {
    super(message);
    this.name = 'ForbiddenError';
  }
}

export class ConflictError extends DomainError {
  readonly code = 'CONFLICT';
  constructor(message: string) {
    super(message);
    this.name = 'ConflictError';
  }
}

function prismaCode(err: unknown): string | undefined {
  if (typeof err === 'object' && err !== null && 'code' in err) {
    const code = (err as { code: unknown }).code;
    return typeof code === 'string' ? code : undefined;
  }
  return undefined;
}

/** Maps Prisma's unique-violation and not-found errors to domain errors; rethrows the rest. */
export function mapPrismaError(err: unknown, what: { conflict?: string; notFound?: string }): never {
  const code = prismaCode(err);
  if (code === 'P2002' && what.conflict) throw new ConflictError(what.conflict);
  if (code === 'P2025' && what.notFound) throw new NotFoundError(what.notFound);
  throw err;
}

export function isUniqueViolation(err: unknown): boolean {
  return prismaCode(err) === 'P2002';
}
