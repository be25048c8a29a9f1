import { defineConfig } from 'prisma/config';

// Used by `prisma generate` only. Migrations are created and applied offline by
// scripts/db-migration.ts and server/db/migrate.ts through Prisma's WASM schema engine.
export default defineConfig({
  schema: 'prisma/schema.prisma',
  migrations: { path: 'prisma/migrations' },
});
