import type { Request } from 'express';
import { requestIds, setIdempotencyScope, uuidFromName } from './request-scoped-ids';

describe('request-scoped ids', () => {
  it('derives the same version-8 UUID from the same name, another from another', () => {
    const id = uuidFromName('POST /v1/accounts/:id/deposits k1#event');
    expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-8[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(uuidFromName('POST /v1/accounts/:id/deposits k1#event')).toBe(id);
    expect(uuidFromName('POST /v1/accounts/:id/deposits k2#event')).not.toBe(id);
  });

  it('gives a keyed request the same ids on every run, and an unkeyed one fresh ids', () => {
    const keyed = {} as Request;
    setIdempotencyScope(keyed, 'POST /v1/transfers abc');
    expect(requestIds(keyed)('sent')).toBe(requestIds(keyed)('sent'));
    expect(requestIds(keyed)('sent')).not.toBe(requestIds(keyed)('received'));
    const unkeyed = {} as Request;
    expect(requestIds(unkeyed)('sent')).not.toBe(requestIds(unkeyed)('sent'));
  });
});
