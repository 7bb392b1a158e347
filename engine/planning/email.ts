// The email rule the normalize_email fix relies on, in JavaScript: the same pattern the data-quality SQL
// uses (db/queries/detectors.ts VALID_EMAIL_PATTERN; a unit test keeps the two identical).

/** Valid iff the normalized address matches; PostgreSQL `~` semantics for this ASCII-only pattern. */
export const VALID_EMAIL_REGEX_SOURCE = '^[a-z0-9._%+-]+@[a-z0-9-]+(\\.[a-z0-9-]+)*\\.[a-z]{2,}$';
const VALID = new RegExp(VALID_EMAIL_REGEX_SOURCE);

/**
 * lower(btrim(email)) as PostgreSQL computes it: btrim without a character list strips spaces only (not
 * tabs or newlines), so String.prototype.trim would disagree on exactly the rows that must be left alone.
 */
export function normalizeEmail(email: string): string {
  return email.replace(/^ +| +$/g, '').toLowerCase();
}

export function isValidNormalizedEmail(email: string): boolean {
  return VALID.test(email);
}
