// Typed, expected errors in the schema (errors plugin). Everything else is masked by Yoga.
import {
  AuthError,
  ConflictError,
  type DomainError,
  ForbiddenError,
  NotFoundError,
  ValidationError,
  type FieldProblem,
} from '../../services/errors.ts';
import { builder } from '../builder.ts';

export const ErrorInterface = builder.interfaceRef<DomainError>('Error').implement({
  description: 'An expected failure: the operation changed nothing.',
  fields: (t) => ({
    message: t.exposeString('message'),
    code: t.exposeString('code'),
  }),
});

const FieldError = builder.objectRef<FieldProblem>('FieldError').implement({
  description: 'One input field that was refused, with why.',
  fields: (t) => ({
    path: t.exposeStringList('path', { description: 'The input path, e.g. ["input","ports"].' }),
    message: t.exposeString('message', {
      description: 'The reason in English (for logs and scripts); a client translates `code` with `params`.',
    }),
    code: t.string({
      description:
        'A stable code for the reason (docs/api.md "Field error codes"), e.g. REQUIRED, OUT_OF_RANGE, UNKNOWN_TIME_ZONE; INVALID when no finer code applies.',
      resolve: (f) => f.code ?? 'INVALID',
    }),
    params: t.field({
      type: 'JSON',
      nullable: true,
      description: 'The values the sentence needs, e.g. { "min": 1, "max": 100 } for OUT_OF_RANGE.',
      resolve: (f) => f.params ?? null,
    }),
  }),
});

builder.objectType(ValidationError, {
  name: 'ValidationError',
  interfaces: [ErrorInterface],
  isTypeOf: (v) => v instanceof ValidationError,
  fields: (t) => ({ fields: t.field({ type: [FieldError], resolve: (e) => e.fields }) }),
});

builder.objectType(AuthError, {
  name: 'AuthError',
  interfaces: [ErrorInterface],
  isTypeOf: (v) => v instanceof AuthError,
  fields: (t) => ({
    retryAfterSeconds: t.int({ nullable: true, resolve: (e) => e.retryAfterSeconds ?? null }),
    retryAfterMinutes: t.int({
      nullable: true,
      description: 'The same wait in whole minutes, rounded up (what a person is told).',
      resolve: (e) => (e.retryAfterSeconds == null ? null : Math.max(1, Math.ceil(e.retryAfterSeconds / 60))),
    }),
  }),
});

builder.objectType(NotFoundError, {
  name: 'NotFoundError',
  interfaces: [ErrorInterface],
  isTypeOf: (v) => v instanceof NotFoundError,
  fields: () => ({}),
});
builder.objectType(ForbiddenError, {
  name: 'ForbiddenError',
  interfaces: [ErrorInterface],
  isTypeOf: (v) => v instanceof ForbiddenError,
  fields: () => ({}),
});
builder.objectType(ConflictError, {
  name: 'ConflictError',
  interfaces: [ErrorInterface],
  isTypeOf: (v) => v instanceof ConflictError,
  fields: () => ({}),
});

/** The error set most mutations declare. */
export const standardErrors = [ValidationError, NotFoundError, ForbiddenError, ConflictError];
