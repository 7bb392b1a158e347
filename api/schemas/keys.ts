// Bodies and responses of the API key routes (admin only). A key is shown once, at creation.
import { z } from 'zod';
import { ROLES } from '../../db/repos/api-keys';
import { IsoDate } from './common';

export const ApiKeySchema = z
  .object({
    id: z.number().int(),
    name: z.string(),
    role: z.enum(ROLES),
    createdAt: IsoDate,
    revokedAt: IsoDate.nullable(),
  })
  .meta({ id: 'ApiKey' });

export const ApiKeyListSchema = z.object({ items: z.array(ApiKeySchema) }).meta({ id: 'ApiKeyList' });

export const ListKeysQuery = z.strictObject({
  includeRevoked: z
    .enum(['true', 'false'])
    .transform((v) => v === 'true')
    .default(false),
});

export const CreateKeyBody = z
  .strictObject(
    {
      name: z
        .string()
        .trim()
        .min(1, 'name must not be empty')
        .max(100)
        .describe('Who or what uses the key; shown in the audit log'),
      role: z.enum(ROLES),
    },
    {
      error: (issue) =>
        issue.input == null ? 'a JSON body {"name": "...", "role": "viewer|operator|admin"} is required' : undefined,
    },
  )
  .meta({ id: 'CreateApiKey' });

export const CreatedKeySchema = ApiKeySchema.extend({
  key: z
    .string()
    .describe('The raw key: send it as `Authorization: Bearer <key>`. It is not stored and is shown only now.'),
}).meta({ id: 'CreatedApiKey' });

export const KeyIdParams = z.object({ keyId: z.coerce.number().int().min(1).max(Number.MAX_SAFE_INTEGER) });
