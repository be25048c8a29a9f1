// GraphQL Code Generator: server/schema.graphql + the dashboard's operations
// (client/lib/graphql/*.graphql) → typed documents in client/lib/gql/ (client preset).
// Every operation must validate against the printed schema: one that does not fails the build.
import type { CodegenConfig } from '@graphql-codegen/cli';

const config: CodegenConfig = {
  schema: 'server/schema.graphql',
  documents: 'client/lib/graphql/*.graphql',
  silent: !process.env.CODEGEN_VERBOSE,
  generates: {
    'client/lib/gql/': {
      preset: 'client',
      presetConfig: { fragmentMasking: false, gqlTagName: 'graphql' },
      config: {
        useTypeImports: true,
        enumType: 'string-literal',
        // a scalar added to the API later is `unknown` until it is mapped here
        defaultScalarType: 'unknown',
        scalars: { DateTime: 'string', JSON: 'unknown', PortList: 'string | number[]' },
        skipTypename: false,
        dedupeFragments: true,
      },
    },
  },
};

export default config;
