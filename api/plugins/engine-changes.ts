// Decorates the app with the engine's change feed (`app.engineChanges`), which the read cache and the
// API-key lookup use to know when what they remember is still true.
import fp from 'fastify-plugin';
import { followEngineChanges, type EngineChanges } from '../../db/engine-changes';

declare module 'fastify' {
  interface FastifyInstance {
    engineChanges: EngineChanges;
  }
}

export const engineChangesPlugin = fp(
  async (app) => {
    const changes = followEngineChanges(app.knex, (m) => app.log.warn(m));
    app.decorate('engineChanges', changes);
    app.addHook('onClose', async () => changes.close());
  },
  { name: 'engine-changes', fastify: '5.x', dependencies: ['knex'] },
);
