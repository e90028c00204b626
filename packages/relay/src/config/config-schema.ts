/** JSON schema of `pinterest-capi.config.json`; unknown fields are errors so typos surface. */
export const CONFIG_FILE_SCHEMA = {
  type: 'object',
  additionalProperties: false,
  properties: {
    $schema: { type: 'string' },
    port: { type: 'integer', minimum: 0, maximum: 65535 },
    host: { type: 'string', minLength: 1 },
    apiBaseUrl: { type: 'string', pattern: '^https?://' },
    databaseUrl: { type: 'string', minLength: 1 },
    retentionDays: { type: 'number', exclusiveMinimum: 0 },
    delivery: {
      type: 'object',
      additionalProperties: false,
      properties: {
        lingerMs: { type: 'integer', minimum: 0, maximum: 60000 },
        retryBudgetHours: { type: 'number', exclusiveMinimum: 0 },
        maxEventAgeDays: { type: 'number', exclusiveMinimum: 0 },
        concurrency: { type: 'integer', minimum: 1, maximum: 64 },
        // A crashed relay's in-flight events are sent again once their lease ends; each call may take
        // half of it.
        leaseMs: { type: 'integer', minimum: 1000, maximum: 3600000 },
      },
    },
    tenants: {
      type: 'array',
      minItems: 1,
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['name', 'adAccountId', 'accessToken', 'apiKeys'],
        properties: {
          name: { type: 'string', pattern: '^[A-Za-z0-9_.-]{1,64}$' },
          adAccountId: { type: 'string', pattern: '^\\d{1,18}$' },
          accessToken: { type: 'string', minLength: 1 },
          tagId: { type: 'string', pattern: '^\\d+$' },
          apiKeys: { type: 'array', minItems: 1, items: { type: 'string', minLength: 8 } },
          partnerName: { type: 'string', pattern: '^ss-[a-z0-9_-]+$' },
          callsPerMinute: { type: 'integer', minimum: 1 },
          defaultCountry: { type: 'string', pattern: '^[A-Za-z]{2}$' },
          consent: {
            type: 'object',
            additionalProperties: false,
            properties: {
              denied: { enum: ['send', 'opt_out', 'drop'] },
              unknown: { enum: ['send', 'opt_out', 'drop'] },
            },
          },
          ldp: {
            type: 'object',
            additionalProperties: false,
            required: ['states'],
            properties: {
              states: {
                anyOf: [
                  { const: 'all_us' },
                  {
                    type: 'array',
                    minItems: 1,
                    items: { type: 'string', pattern: '^[A-Za-z]{2}$' },
                  },
                ],
              },
            },
          },
          webhookSecrets: {
            type: 'object',
            additionalProperties: false,
            properties: {
              shopify: { type: 'string', minLength: 1 },
              stripe: { type: 'string', minLength: 1 },
              woocommerce: { type: 'string', minLength: 1 },
            },
          },
        },
      },
    },
  },
} as const;
