import type { CodegenConfig } from '@graphql-codegen/cli';

// Typed documents from the backend's committed schema (`make schema` writes it):
// `npm run codegen` after changing an operation or pulling a new schema.graphql.
// CODEGEN_OUT lets `npm run codegen:check` write a fresh copy elsewhere to compare.
const out = process.env.CODEGEN_OUT ?? './src/gql/';

const config: CodegenConfig = {
  schema: '../../schema.graphql',
  documents: ['src/**/*.{ts,tsx}', '!src/gql/**'],
  ignoreNoDocuments: false,
  generates: {
    [out]: {
      preset: 'client',
      presetConfig: { fragmentMasking: false },
      // DateTime arrives as an ISO 8601 string; GenericScalar is any JSON.
      config: { useTypeImports: true, scalars: { DateTime: 'string', GenericScalar: 'unknown' } },
    },
  },
};

export default config;
