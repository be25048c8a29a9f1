/* eslint-disable */
import * as types from './graphql';
import type { TypedDocumentNode as DocumentNode } from '@graphql-typed-document-node/core';

/**
 * Map of all GraphQL operations in the project.
 *
 * This map has several performance disadvantages:
 * 1. It is not tree-shakeable, so it will include all operations in the project.
 * 2. It is not minifiable, so the string of a GraphQL query will be multiple times inside the bundle.
 * 3. It does not support dead code elimination, so it will add unused operations.
 *
 * Therefore it is highly recommended to use the babel or swc plugin for production.
 * Learn more about it here: https://the-guild.dev/graphql/codegen/plugins/presets/preset-client#reducing-bundle-size
 */
type Documents = {
    "subscription IncidentChanged {\n  incidentChanged {\n    incidentId\n    change\n  }\n}": typeof types.IncidentChangedDocument,
    "fragment ViewerFields on Account {\n  id\n  loginId\n  name\n  email\n  phone\n  role\n  kind\n  representativeIp\n  language\n  timeZone\n  portLimit\n}\n\nquery Viewer {\n  viewer {\n    ...ViewerFields\n  }\n}\n\nmutation Login($loginId: String!, $password: String!) {\n  login(loginId: $loginId, password: $password) {\n    __typename\n    ... on MutationLoginSuccess {\n      data {\n        expiresAt\n        account {\n          ...ViewerFields\n        }\n      }\n    }\n    ... on AuthError {\n      code\n      message\n      retryAfterSeconds\n    }\n    ... on ValidationError {\n      code\n      message\n      fields {\n        path\n        message\n      }\n    }\n  }\n}\n\nmutation Logout {\n  logout\n}": typeof types.ViewerFieldsFragmentDoc,
    "query ApiTokens($first: Int, $after: String) {\n  viewer {\n    id\n    apiTokens(first: $first, after: $after) {\n      pageInfo {\n        hasNextPage\n        endCursor\n      }\n      nodes {\n        id\n        name\n        prefix\n        createdAt\n        lastUsedAt\n        expiresAt\n        revokedAt\n      }\n    }\n  }\n}\n\nmutation CreateApiToken($name: String!, $expiresInDays: Int) {\n  createApiToken(name: $name, expiresInDays: $expiresInDays) {\n    __typename\n    ... on MutationCreateApiTokenSuccess {\n      data {\n        secret\n        token {\n          id\n          name\n          prefix\n          createdAt\n          expiresAt\n        }\n      }\n    }\n    ... on ValidationError {\n      code\n      message\n      fields {\n        path\n        message\n      }\n    }\n  }\n}\n\nmutation RevokeApiToken($id: ID!) {\n  revokeApiToken(id: $id) {\n    __typename\n    ... on MutationRevokeApiTokenSuccess {\n      data {\n        id\n        revokedAt\n      }\n    }\n    ... on NotFoundError {\n      code\n      message\n    }\n  }\n}": typeof types.ApiTokensDocument,
};
const documents: Documents = {
    "subscription IncidentChanged {\n  incidentChanged {\n    incidentId\n    change\n  }\n}": types.IncidentChangedDocument,
    "fragment ViewerFields on Account {\n  id\n  loginId\n  name\n  email\n  phone\n  role\n  kind\n  representativeIp\n  language\n  timeZone\n  portLimit\n}\n\nquery Viewer {\n  viewer {\n    ...ViewerFields\n  }\n}\n\nmutation Login($loginId: String!, $password: String!) {\n  login(loginId: $loginId, password: $password) {\n    __typename\n    ... on MutationLoginSuccess {\n      data {\n        expiresAt\n        account {\n          ...ViewerFields\n        }\n      }\n    }\n    ... on AuthError {\n      code\n      message\n      retryAfterSeconds\n    }\n    ... on ValidationError {\n      code\n      message\n      fields {\n        path\n        message\n      }\n    }\n  }\n}\n\nmutation Logout {\n  logout\n}": types.ViewerFieldsFragmentDoc,
    "query ApiTokens($first: Int, $after: String) {\n  viewer {\n    id\n    apiTokens(first: $first, after: $after) {\n      pageInfo {\n        hasNextPage\n        endCursor\n      }\n      nodes {\n        id\n        name\n        prefix\n        createdAt\n        lastUsedAt\n        expiresAt\n        revokedAt\n      }\n    }\n  }\n}\n\nmutation CreateApiToken($name: String!, $expiresInDays: Int) {\n  createApiToken(name: $name, expiresInDays: $expiresInDays) {\n    __typename\n    ... on MutationCreateApiTokenSuccess {\n      data {\n        secret\n        token {\n          id\n          name\n          prefix\n          createdAt\n          expiresAt\n        }\n      }\n    }\n    ... on ValidationError {\n      code\n      message\n      fields {\n        path\n        message\n      }\n    }\n  }\n}\n\nmutation RevokeApiToken($id: ID!) {\n  revokeApiToken(id: $id) {\n    __typename\n    ... on MutationRevokeApiTokenSuccess {\n      data {\n        id\n        revokedAt\n      }\n    }\n    ... on NotFoundError {\n      code\n      message\n    }\n  }\n}": types.ApiTokensDocument,
};

/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 *
 *
 * @example
 * ```ts
 * const query = graphql(`query GetUser($id: ID!) { user(id: $id) { name } }`);
 * ```
 *
 * The query argument is unknown!
 * Please regenerate the types.
 */
export function graphql(source: string): unknown;

/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "subscription IncidentChanged {\n  incidentChanged {\n    incidentId\n    change\n  }\n}"): (typeof documents)["subscription IncidentChanged {\n  incidentChanged {\n    incidentId\n    change\n  }\n}"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "fragment ViewerFields on Account {\n  id\n  loginId\n  name\n  email\n  phone\n  role\n  kind\n  representativeIp\n  language\n  timeZone\n  portLimit\n}\n\nquery Viewer {\n  viewer {\n    ...ViewerFields\n  }\n}\n\nmutation Login($loginId: String!, $password: String!) {\n  login(loginId: $loginId, password: $password) {\n    __typename\n    ... on MutationLoginSuccess {\n      data {\n        expiresAt\n        account {\n          ...ViewerFields\n        }\n      }\n    }\n    ... on AuthError {\n      code\n      message\n      retryAfterSeconds\n    }\n    ... on ValidationError {\n      code\n      message\n      fields {\n        path\n        message\n      }\n    }\n  }\n}\n\nmutation Logout {\n  logout\n}"): (typeof documents)["fragment ViewerFields on Account {\n  id\n  loginId\n  name\n  email\n  phone\n  role\n  kind\n  representativeIp\n  language\n  timeZone\n  portLimit\n}\n\nquery Viewer {\n  viewer {\n    ...ViewerFields\n  }\n}\n\nmutation Login($loginId: String!, $password: String!) {\n  login(loginId: $loginId, password: $password) {\n    __typename\n    ... on MutationLoginSuccess {\n      data {\n        expiresAt\n        account {\n          ...ViewerFields\n        }\n      }\n    }\n    ... on AuthError {\n      code\n      message\n      retryAfterSeconds\n    }\n    ... on ValidationError {\n      code\n      message\n      fields {\n        path\n        message\n      }\n    }\n  }\n}\n\nmutation Logout {\n  logout\n}"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "query ApiTokens($first: Int, $after: String) {\n  viewer {\n    id\n    apiTokens(first: $first, after: $after) {\n      pageInfo {\n        hasNextPage\n        endCursor\n      }\n      nodes {\n        id\n        name\n        prefix\n        createdAt\n        lastUsedAt\n        expiresAt\n        revokedAt\n      }\n    }\n  }\n}\n\nmutation CreateApiToken($name: String!, $expiresInDays: Int) {\n  createApiToken(name: $name, expiresInDays: $expiresInDays) {\n    __typename\n    ... on MutationCreateApiTokenSuccess {\n      data {\n        secret\n        token {\n          id\n          name\n          prefix\n          createdAt\n          expiresAt\n        }\n      }\n    }\n    ... on ValidationError {\n      code\n      message\n      fields {\n        path\n        message\n      }\n    }\n  }\n}\n\nmutation RevokeApiToken($id: ID!) {\n  revokeApiToken(id: $id) {\n    __typename\n    ... on MutationRevokeApiTokenSuccess {\n      data {\n        id\n        revokedAt\n      }\n    }\n    ... on NotFoundError {\n      code\n      message\n    }\n  }\n}"): (typeof documents)["query ApiTokens($first: Int, $after: String) {\n  viewer {\n    id\n    apiTokens(first: $first, after: $after) {\n      pageInfo {\n        hasNextPage\n        endCursor\n      }\n      nodes {\n        id\n        name\n        prefix\n        createdAt\n        lastUsedAt\n        expiresAt\n        revokedAt\n      }\n    }\n  }\n}\n\nmutation CreateApiToken($name: String!, $expiresInDays: Int) {\n  createApiToken(name: $name, expiresInDays: $expiresInDays) {\n    __typename\n    ... on MutationCreateApiTokenSuccess {\n      data {\n        secret\n        token {\n          id\n          name\n          prefix\n          createdAt\n          expiresAt\n        }\n      }\n    }\n    ... on ValidationError {\n      code\n      message\n      fields {\n        path\n        message\n      }\n    }\n  }\n}\n\nmutation RevokeApiToken($id: ID!) {\n  revokeApiToken(id: $id) {\n    __typename\n    ... on MutationRevokeApiTokenSuccess {\n      data {\n        id\n        revokedAt\n      }\n    }\n    ... on NotFoundError {\n      code\n      message\n    }\n  }\n}"];

export function graphql(source: string) {
  return (documents as any)[source] ?? {};
}

export type DocumentType<TDocumentNode extends DocumentNode<any, any>> = TDocumentNode extends DocumentNode<  infer TType,  any>  ? TType  : never;