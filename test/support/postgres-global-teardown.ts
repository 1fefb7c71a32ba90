import { rm } from 'node:fs/promises';

export default async function tearDownTestPostgres(): Promise<void> {
  const state = globalThis.geodeTestPostgres;
  if (!state || --state.users > 0) return;
  globalThis.geodeTestPostgres = undefined;
  if (state.server) {
    await state.server.stop();
    await rm(state.server.dataDir, { recursive: true, force: true });
  }
}
