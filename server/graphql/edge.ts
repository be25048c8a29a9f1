// The edge of the API, for HTTP and WebSocket alike (both run Yoga's envelop):
//  - inputs are checked before anything runs: no NUL character in any string (PostgreSQL
//    cannot store one), no list over MAX_LIST items, at most MAX_VALUES values in the variables
//    (they count in the cost: a refused operation costs the event loop, and so the prober,
//    nothing);
//  - READ API tokens run no mutation;
//  - every error leaves with an `extensions.code` from error-codes.ts, without "Did you mean"
//    suggestions in production, and request errors (parse, validation, limits) with HTTP 400
//    when the client accepts application/graphql-response+json.
import { getOperationAST, GraphQLError, Kind, visit, type DocumentNode, type ExecutionResult } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import type { GraphQLContext } from './context.ts';
import type { ErrorCode } from './error-codes.ts';

export const MAX_LIST = 200;
export const MAX_VALUES = 10_000;

const COMPLEXITY =
  /^Syntax Error: (Query Cost limit|Query depth limit|Aliases limit|Directives limit|Token limit|Max )/i;
const BAD_INPUT = [
  /^Variable "\$[^"]+" (got invalid value|of required type|of non-null type)/,
  /^Argument "[^"]+" (has invalid value|of required type|of non-null type)/,
  /^Invalid (global ID|cursor)/i,
  /must be a (non-negative|positive) integer/i,
  /^(DateTime|PortList|JSON|Int|Float|String|Boolean|ID) /,
  /cannot represent/i,
];
const REQUEST_LEVEL: ReadonlySet<string> = new Set([
  'GRAPHQL_PARSE_FAILED',
  'GRAPHQL_VALIDATION_FAILED',
  'QUERY_TOO_COMPLEX',
]);

function classify(err: GraphQLError): ErrorCode {
  const existing = err.extensions?.code;
  if (typeof existing === 'string') return existing as ErrorCode;
  const msg = err.message;
  if (COMPLEXITY.test(msg)) return 'QUERY_TOO_COMPLEX';
  if (msg.startsWith('Syntax Error')) return 'GRAPHQL_PARSE_FAILED';
  if (msg === 'Required CSRF header(s) not present') return 'CSRF_HEADER_REQUIRED';
  if (BAD_INPUT.some((re) => re.test(msg))) return 'BAD_USER_INPUT';
  const original = err.originalError;
  if (original && (original.name === 'PothosValidationError' || original.name === 'PothosSchemaError'))
    return 'BAD_USER_INPUT';
  if (err.extensions?.unexpected) return 'INTERNAL_SERVER_ERROR';
  // graphql-js's own errors without a path are validation errors; with a path, a resolver's
  return err.path ? 'INTERNAL_SERVER_ERROR' : 'GRAPHQL_VALIDATION_FAILED';
}

const stripSuggestion = (message: string) => message.replace(/\s*Did you mean [^?]*\?/g, '').trim();

/** The error with a code (and, in production, without suggestions). Coded errors keep their identity. */
export function codedError(err: GraphQLError, production: boolean, validation = false): GraphQLError {
  const code =
    validation && !COMPLEXITY.test(err.message) && typeof err.extensions?.code !== 'string'
      ? 'GRAPHQL_VALIDATION_FAILED'
      : classify(err);
  // armor words its refusals "Syntax Error: …" although the text parsed: say what they are
  const plain = code === 'QUERY_TOO_COMPLEX' ? err.message.replace(/^Syntax Error: /, '') : err.message;
  const message = production ? stripSuggestion(plain) : plain;
  const http =
    REQUEST_LEVEL.has(code) || code === 'BAD_USER_INPUT' ? { spec: true, status: 400 } : err.extensions?.http;
  if (err.extensions?.code === code && message === err.message && (err.extensions?.http || !http)) return err;
  return new GraphQLError(message, {
    nodes: err.nodes ?? null,
    source: err.source ?? null,
    positions: err.positions ?? null,
    path: err.path ?? null,
    originalError: err.originalError ?? null,
    extensions: { ...err.extensions, code, ...(http ? { http } : {}) },
  });
}

export function codedResult<R extends ExecutionResult>(result: R, production: boolean): R {
  if (!result.errors?.length) return result;
  return {
    ...result,
    errors: result.errors.map((e) =>
      codedError(e instanceof GraphQLError ? e : new GraphQLError(String(e)), production),
    ),
  };
}

/** Why these inputs are refused, or null. */
export function inputProblem(document: DocumentNode, variables: unknown): { code: ErrorCode; message: string } | null {
  let values = 0;
  let problem: { code: ErrorCode; message: string } | null = null;
  const walk = (v: unknown, path: string) => {
    if (problem) return;
    values += 1;
    if (values > MAX_VALUES) {
      problem = { code: 'QUERY_TOO_COMPLEX', message: `Variables over ${MAX_VALUES} values` };
      return;
    }
    if (typeof v === 'string') {
      if (v.includes('\0'))
        problem = { code: 'BAD_USER_INPUT', message: `Text must not contain NUL characters (at ${path})` };
    } else if (Array.isArray(v)) {
      if (v.length > MAX_LIST)
        problem = {
          code: 'QUERY_TOO_COMPLEX',
          message: `A list of at most ${MAX_LIST} items is accepted (${path} has ${v.length})`,
        };
      else
        v.forEach((item, i) => {
          walk(item, `${path}[${i}]`);
        });
    } else if (v && typeof v === 'object') {
      for (const [k, item] of Object.entries(v)) {
        if (k.includes('\0'))
          problem = { code: 'BAD_USER_INPUT', message: `Names must not contain NUL characters (at ${path})` };
        walk(item, `${path}.${k}`);
      }
    }
  };
  if (variables && typeof variables === 'object') for (const [k, v] of Object.entries(variables)) walk(v, `$${k}`);
  if (problem) return problem;
  visit(document, {
    StringValue(node) {
      if (!problem && node.value.includes('\0'))
        problem = { code: 'BAD_USER_INPUT', message: 'Text must not contain NUL characters' };
    },
    ListValue(node) {
      if (!problem && node.values.length > MAX_LIST)
        problem = { code: 'QUERY_TOO_COMPLEX', message: `A list of at most ${MAX_LIST} items is accepted` };
    },
  });
  return problem;
}

function scopeProblem(
  ctx: GraphQLContext | undefined,
  document: DocumentNode,
  operationName: string | null | undefined,
): { code: ErrorCode; message: string } | null {
  const op = getOperationAST(document, operationName ?? undefined);
  if (op?.operation !== 'mutation' || ctx?.viewer?.via !== 'token') return null;
  if (ctx.viewer.scope === 'READ')
    return { code: 'INSUFFICIENT_SCOPE', message: 'This API token is read-only: it cannot run mutations' };
  for (const sel of op.selectionSet.selections) {
    if (sel.kind === Kind.FIELD && (sel.name.value === 'createApiToken' || sel.name.value === 'revokeApiToken'))
      return {
        code: 'INSUFFICIENT_SCOPE',
        message: 'API tokens are managed from a signed-in session, not with a token',
      };
  }
  return null;
}

const refusal = (p: { code: ErrorCode; message: string }) =>
  new GraphQLError(p.message, {
    extensions: {
      code: p.code,
      ...(p.code === 'QUERY_TOO_COMPLEX' || p.code === 'BAD_USER_INPUT' ? { http: { spec: true, status: 400 } } : {}),
    },
  });

/** A subscription's inputs refused before it starts (HTTP and WebSocket alike), or null. */
export function subscriptionRefusal(document: DocumentNode, variables: unknown): ExecutionResult | null {
  const p = inputProblem(document, variables);
  return p ? { errors: [refusal(p)] } : null;
}

export function edgePlugin(opts: { production: boolean }): Plugin<GraphQLContext> {
  const { production } = opts;
  return {
    onValidate() {
      return ({ result, setResult }) => {
        if (result.length) setResult(result.map((e) => codedError(e, production, true)));
      };
    },
    onExecute({ args, setResultAndStopExecution }) {
      const p =
        inputProblem(args.document, args.variableValues) ??
        scopeProblem(args.contextValue, args.document, args.operationName);
      if (p) {
        setResultAndStopExecution({ errors: [refusal(p)] });
        return;
      }
      return {
        onExecuteDone({ result, setResult }) {
          if ('errors' in result && result.errors?.length)
            setResult(codedResult(result as ExecutionResult, production));
        },
      };
    },
    onSubscribe({ args, setResultAndStopExecution }) {
      const refused = subscriptionRefusal(args.document, args.variableValues);
      if (refused) setResultAndStopExecution(refused);
    },
    onResultProcess({ result, setResult }) {
      if (Array.isArray(result)) return;
      if ('errors' in result && (result as ExecutionResult).errors?.length)
        setResult(codedResult(result as ExecutionResult, production));
    },
  };
}
