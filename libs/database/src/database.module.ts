import { DynamicModule, Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { DataSourceParts, geodeDataSourceOptions } from './geode-data-source';

/**
 * Gives a Nest app its TypeORM DataSource. The database has already been
 * opened (and checked) before the app is built, so there is nothing to retry.
 */
@Module({})
export class DatabaseModule {
  static forRoot(parts: DataSourceParts): DynamicModule {
    return {
      module: DatabaseModule,
      global: true,
      imports: [
        TypeOrmModule.forRoot({
          ...geodeDataSourceOptions(parts),
          retryAttempts: 1,
          retryDelay: 0,
        }),
      ],
      exports: [TypeOrmModule],
    };
  }
}
