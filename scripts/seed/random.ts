// Deterministic pseudo-randomness for the demo-data generator, evaluated inside PostgreSQL.
//
// Every "random" draw is a pure function of (seed, key, salt): the 64-bit hash
// hashint8extended(key, seed·1000 + salt), masked to 52 bits and scaled into [0, 1). The key is a
// bigint derived from the row (a user id, user id·1000 + day, ...), the salt names the draw, so
// two draws with different salts are independent and the same draw is identical on every run.
// hashint8extended is the sibling of hashtextextended for bigint keys: PostgreSQL keeps these
// extended hashes stable across versions (hash partitioning depends on them), and hashing an int8
// avoids formatting a text per row, which matters at 20M events.

/** Salts live in [0, 1000): the seed is folded into the hash seed as seed·1000 + salt. */
const SALT_SPACE = 1000;
/** 2^52: the masked hash fits a double's mantissa exactly, so the mapping to [0, 1) is lossless. */
const MASK_52 = '4503599627370495';
const TWO_POW_52 = '4503599627370496.0';

/** Largest accepted seed: seed·1000 + salt must stay far inside int8. */
export const MAX_SEED = 2_147_483_647;

export type Rnd = (key: string, salt: number) => string;

/**
 * A SQL expression builder: rnd('u.id', 7) is a float8 expression uniform in [0, 1), a pure function
 * of (seed, u.id, 7). `key` is a SQL expression of integer type.
 */
export function randomSql(seed: number): Rnd {
  if (!Number.isInteger(seed) || seed < 0 || seed > MAX_SEED)
    throw new RangeError(`seed must be an integer in [0, ${MAX_SEED}], got ${seed}`);
  return (key: string, salt: number): string => {
    if (!Number.isInteger(salt) || salt < 0 || salt >= SALT_SPACE)
      throw new RangeError(`salt must be an integer in [0, ${SALT_SPACE}), got ${salt}`);
    return `((hashint8extended((${key})::bigint, ${seed * SALT_SPACE + salt}) & ${MASK_52})::float8 / ${TWO_POW_52})`;
  };
}

/** A timestamptz literal for an instant (toISOString never contains a quote, so this is safe to inline). */
export function tsLiteral(d: Date): string {
  if (Number.isNaN(d.getTime())) throw new RangeError('invalid date');
  return `'${d.toISOString()}'::timestamptz`;
}
