import { DynamicModule, Module } from '@nestjs/common';
import { APP_INTERCEPTOR } from '@nestjs/core';
import { IdempotencyKeyExpiry } from './idempotency-key-expiry';
import { IdempotencyKeyRepository } from './idempotency-key-repository';
import {
  IDEMPOTENCY_OPTIONS,
  IdempotencyOptions,
  resolveIdempotencyOptions,
} from './idempotency-options';
import { IdempotencyInterceptor } from './idempotency.interceptor';

/**
 * `Idempotency-Key` for every POST, PATCH and DELETE of the app that imports
 * it (a global interceptor). Needs the app's TypeORM DataSource (DatabaseModule)
 * and the migration Idempotency1795711770000.
 */
@Module({})
export class IdempotencyModule {
  static forRoot(options: IdempotencyOptions = {}): DynamicModule {
    return {
      module: IdempotencyModule,
      providers: [
        { provide: IDEMPOTENCY_OPTIONS, useValue: resolveIdempotencyOptions(options) },
        IdempotencyKeyRepository,
        IdempotencyKeyExpiry,
        IdempotencyInterceptor,
        { provide: APP_INTERCEPTOR, useExisting: IdempotencyInterceptor },
      ],
      exports: [IdempotencyInterceptor],
    };
  }
}
