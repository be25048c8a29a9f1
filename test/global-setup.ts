// Once per vitest run, before any test file: the migrated template every test database is
// copied from (test/helpers/db.ts), so no file waits for the migrations or builds them twice.
import { prepareTemplate } from './helpers/db.ts';

export default async function setup(): Promise<void> {
  await prepareTemplate();
}
