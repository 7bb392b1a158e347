// Email templates: one subject, text and HTML file per message template under templates/email/, rendered with
// Handlebars. The HTML part escapes every field; subject and text are plain text and are not escaped.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import Handlebars from 'handlebars';
import { NonRetryableError } from './errors';

export const DEFAULT_EMAIL_TEMPLATES_DIR = path.resolve(
  path.dirname(fileURLToPath(import.meta.url)),
  '..',
  '..',
  'templates',
  'email',
);

export interface EmailContext {
  user: { id: number; email: string };
  /** The action's fields (the message payload). */
  action: Record<string, unknown>;
  /** The public base URL, without a trailing slash. */
  baseUrl: string;
  unsubscribeUrl: string;
}

export interface RenderedEmail {
  subject: string;
  text: string;
  html: string;
}

type Compiled = {
  subject: HandlebarsTemplateDelegate;
  text: HandlebarsTemplateDelegate;
  html: HandlebarsTemplateDelegate;
};

function engine(): typeof Handlebars {
  const hb = Handlebars.create();
  hb.registerHelper('money', (cents: unknown) =>
    typeof cents === 'number' && Number.isFinite(cents) ? `$${(cents / 100).toFixed(2)}` : '',
  );
  hb.registerHelper('date', (iso: unknown) => {
    const d = new Date(String(iso));
    return Number.isNaN(d.getTime()) ? '' : d.toISOString().slice(0, 10);
  });
  return hb;
}

/** Loads (once per template) and renders the three parts of a message template. */
export function createEmailRenderer(dir: string = DEFAULT_EMAIL_TEMPLATES_DIR) {
  const hb = engine();
  const cache = new Map<string, Compiled>();
  const load = (template: string): Compiled => {
    const hit = cache.get(template);
    if (hit) return hit;
    if (!/^[a-z0-9_]+$/.test(template))
      throw new NonRetryableError(`email template ${JSON.stringify(template)} is not a valid name`, 'unknown_template');
    const read = (part: string) => {
      const file = path.join(dir, `${template}.${part}.hbs`);
      if (!fs.existsSync(file))
        throw new NonRetryableError(`email template ${template} has no ${part} part (${file})`, 'unknown_template');
      return fs.readFileSync(file, 'utf8');
    };
    const compiled: Compiled = {
      subject: hb.compile(read('subject'), { noEscape: true, strict: false }),
      text: hb.compile(read('text'), { noEscape: true }),
      html: hb.compile(read('html')),
    };
    cache.set(template, compiled);
    return compiled;
  };
  return {
    render(template: string, ctx: EmailContext): RenderedEmail {
      const t = load(template);
      return {
        // A subject is one line: collapse whatever whitespace the fields brought in.
        subject: t.subject(ctx).replace(/\s+/g, ' ').trim(),
        text: t.text(ctx),
        html: t.html(ctx),
      };
    },
  };
}
