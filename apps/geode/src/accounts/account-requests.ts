import { z } from 'zod';
import { parseMinorUnits } from '@geode/ledger';
import { ProblemException } from '@geode/problem-details';

/**
 * Request bodies of the account API (issue #4 shapes). Unknown fields are
 * refused, not ignored; domain rules (currency codes, name lengths, regions)
 * are the ledger's and come back as its `validation` refusals.
 */
export const openAccountBody = z.strictObject({
  accountId: z.uuid().optional(),
  owner: z.strictObject({ name: z.string(), email: z.string().optional() }),
  currency: z.string(),
  residency: z.array(z.string()).optional(),
  homeRegion: z.string().optional(),
});

export const moveMoneyBody = z.strictObject({
  amount: z.string(),
  reference: z.string().max(200).optional(),
});

export const transferBody = z.strictObject({
  transferId: z.uuid().optional(),
  from: z.string(),
  to: z.string(),
  amount: z.string(),
});

export const changeOwnerBody = z.strictObject({
  owner: z.strictObject({ name: z.string().optional(), email: z.string().nullable().optional() }),
});

export const freezeBody = z.strictObject({ reason: z.string().max(500).optional() }).optional();

/** Parses a body against its schema, or answers 400 `validation` naming the first problem. */
export function parseBody<T extends z.ZodType>(schema: T, body: unknown): z.infer<T> {
  const parsed = schema.safeParse(body ?? undefined);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  const where = issue.path.length ? issue.path.join('.') : 'body';
  const message =
    issue.code === 'unrecognized_keys'
      ? `unknown field(s) ${issue.keys.map((k) => `"${k}"`).join(', ')}`
      : issue.message;
  throw new ProblemException(400, 'validation', `${where}: ${message}`, { field: where });
}

/** An amount of minor units as the API takes it: a decimal string ("1250"). */
export function parseAmount(text: string, field = 'amount'): bigint {
  const parsed = parseMinorUnits(text);
  if (!parsed.ok)
    throw new ProblemException(400, 'validation', `${field}: ${parsed.error.message}`, { field });
  return parsed.value;
}
