// Marks a plugin as not encapsulated, so what it decorates is visible to the whole app: what
// fastify-plugin does, without depending on it (it is not one of the project's pinned dependencies).
import type { FastifyPluginAsync } from 'fastify';

export function shared<Options extends Record<string, unknown>>(
  name: string,
  plugin: FastifyPluginAsync<Options>,
): FastifyPluginAsync<Options> {
  return Object.assign(plugin, {
    [Symbol.for('skip-override')]: true,
    [Symbol.for('fastify.display-name')]: name,
  });
}
