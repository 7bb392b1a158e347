// Decorates the app with the knex instance (`app.knex`); destroys it on close when the app owns it
// (the standalone server), and leaves it to the caller otherwise (`npm start` shares it with the worker).
import type { Knex } from 'knex';
import fp from 'fastify-plugin';

declare module 'fastify' {
  interface FastifyInstance {
    knex: Knex;
  }
}

export const knexPlugin = fp<{ db: Knex; destroyOnClose: boolean }>(
  async (app, opts) => {
    app.decorate('knex', opts.db);
    if (opts.destroyOnClose) app.addHook('onClose', async () => opts.db.destroy());
  },
  { name: 'knex', fastify: '5.x' },
);
