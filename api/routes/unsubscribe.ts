// The public one-click unsubscribe route the List-Unsubscribe header of every email points at (RFC 8058):
// POST with the body List-Unsubscribe=One-Click suppresses the token's address (idempotent, audited);
// GET only shows a page with a button that sends that POST, because mail scanners prefetch links and a
// GET must never unsubscribe. No API key: the HMAC-signed token is the credential.
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { verifyUnsubscribeToken } from '../../activities/effects/unsubscribe-token';
import { getSuppression, suppressAddress } from '../../db/repos/suppressions';
import { HttpProblem } from '../problem';

const Query = z.object({
  token: z.string().min(1).max(2000).describe('The signed token of the List-Unsubscribe URL'),
});

const OneClickBody = z
  .object({ 'List-Unsubscribe': z.literal('One-Click') })
  .describe('RFC 8058 one-click body, sent form-urlencoded: List-Unsubscribe=One-Click');

const Html = z.string().describe('A small HTML page');

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };
const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (c) => ESCAPES[c]!);

function page(title: string, body: string): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex"><title>${escapeHtml(title)}</title>
<style>body{font-family:system-ui,sans-serif;max-width:32rem;margin:4rem auto;padding:0 1rem;line-height:1.5}
button{font:inherit;padding:.5rem 1.25rem;cursor:pointer}</style></head>
<body><h1>${escapeHtml(title)}</h1>${body}</body></html>
`;
}

export const unsubscribeRoutes: FastifyPluginAsyncZod<{ secret: string | undefined }> = async (app, opts) => {
  // RFC 8058 posts form-urlencoded. The app's parser takes JSON in form bodies only; here (this plugin
  // only) a form body is parsed as a form.
  app.removeContentTypeParser('application/x-www-form-urlencoded');
  app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, (_req, body, done) => {
    done(null, Object.fromEntries(new URLSearchParams(String(body))));
  });

  /** The address the token was issued for; a 400 problem for a token this api did not sign. */
  function addressOf(token: string): string {
    const address = opts.secret ? verifyUnsubscribeToken(opts.secret, token) : null;
    if (!address)
      throw new HttpProblem(
        400,
        opts.secret
          ? 'The unsubscribe link is invalid or was altered: its signature does not match.'
          : 'The unsubscribe link cannot be checked: this api has no UNSUBSCRIBE_SECRET.',
        { slug: 'invalid-unsubscribe-token', title: 'Invalid unsubscribe link' },
      );
    return address;
  }

  app.get(
    '/unsubscribe',
    {
      schema: {
        tags: ['unsubscribe'],
        summary: 'Unsubscribe confirmation page',
        description:
          'Shows the address of the signed link and a button that sends the one-click POST. Changes nothing ' +
          '(mail scanners prefetch links). Public: the token is the credential; a bad token is 400.',
        security: [],
        querystring: Query,
        produces: ['text/html'],
        response: { 200: Html },
      },
    },
    async (request, reply) => {
      const address = addressOf(request.query.token);
      const existing = await getSuppression(app.knex, address);
      const action = `?token=${encodeURIComponent(request.query.token)}`;
      const html = existing
        ? page('You are unsubscribed', `<p>${escapeHtml(address)} gets no more messages from us.</p>`)
        : page(
            'Unsubscribe?',
            `<p>Stop all marketing messages to <strong>${escapeHtml(address)}</strong>?</p>
<form method="post" action="${escapeHtml(action)}"><input type="hidden" name="List-Unsubscribe" value="One-Click">
<button type="submit">Unsubscribe</button></form>`,
          );
      return reply.type('text/html; charset=utf-8').header('cache-control', 'no-store').send(html);
    },
  );

  app.post(
    '/unsubscribe',
    {
      schema: {
        tags: ['unsubscribe'],
        summary: 'One-click unsubscribe (RFC 8058)',
        description:
          "Adds the signed link's address to the engine's suppression list (reason unsubscribe) and audits it " +
          'once; repeating it changes nothing. Every message gate then refuses the address. Public: the token ' +
          'is the credential; a bad token or another body is 400.',
        security: [],
        querystring: Query,
        consumes: ['application/x-www-form-urlencoded'],
        body: OneClickBody,
        produces: ['text/html'],
        response: { 200: Html },
      },
    },
    async (request, reply) => {
      const address = addressOf(request.query.token);
      await suppressAddress(app.knex, {
        address,
        reason: 'unsubscribe',
        source: 'list-unsubscribe-one-click',
        actor: 'unsubscribe-link',
      });
      const html = page('You are unsubscribed', `<p>${escapeHtml(address)} gets no more messages from us.</p>`);
      return reply.type('text/html; charset=utf-8').header('cache-control', 'no-store').send(html);
    },
  );
};
