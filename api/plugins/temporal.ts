// Decorates the app with the Temporal client and where it starts workflows (`app.temporal`); closes
// the client's connection on close when the app owns it.
import type { Client } from '@temporalio/client';
import fp from 'fastify-plugin';

export interface TemporalDeps {
  client: Client;
  namespace: string;
  taskQueue: string;
  /** Temporal Web UI base URL for links in responses, or null when unknown. */
  uiUrl: string | null;
}

declare module 'fastify' {
  interface FastifyInstance {
    temporal: TemporalDeps;
  }
}

export const temporalPlugin = fp<{ temporal: TemporalDeps; closeOnClose: boolean }>(
  async (app, opts) => {
    app.decorate('temporal', opts.temporal);
    if (opts.closeOnClose) app.addHook('onClose', async () => opts.temporal.client.connection.close());
  },
  { name: 'temporal', fastify: '5.x' },
);
