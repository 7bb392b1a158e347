// Seeding replaces schema app: refused in read-only mode (APP_SCHEMA_READ_ONLY), where app is the platform's data.
export const SEED_REFUSED_READ_ONLY =
  'APP_SCHEMA_READ_ONLY=true: schema app is the platform’s data, so demo data is not seeded into it ' +
  '(set APP_SCHEMA_READ_ONLY=false only for a demo database)';
