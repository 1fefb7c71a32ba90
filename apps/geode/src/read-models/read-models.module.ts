import { DynamicModule, MiddlewareConsumer, Module, NestModule } from '@nestjs/common';
import { ApolloDriver, type ApolloDriverConfig } from '@nestjs/apollo';
import { GraphQLModule } from '@nestjs/graphql';
import { wallClockProvider } from '../clock/wall-clock.provider';
import { accountQueryHandlers } from './account-queries';
import { AccountReadsController } from './account-reads.controller';
import { AccountsResolver } from './graphql/accounts.resolver';
import { ConflictsResolver } from './graphql/conflicts.resolver';
import { GraphqlSessionWaitMiddleware } from './graphql/session-wait.middleware';
import { LedgerProjectionModule } from './ledger-projection.module';
import { LedgerReadRepository } from './ledger-read-repository';
import {
  DEFAULT_SESSION_WAIT,
  SESSION_WAIT_OPTIONS,
  SessionWait,
  type SessionWaitOptions,
} from './session-wait';

export const GRAPHQL_PATH = '/graphql';

export interface ReadModelsModuleOptions {
  sessionWait?: Partial<SessionWaitOptions>;
}

/**
 * The ledger's read side (issue #5): its projection, and the queries over
 * REST (`/v1/accounts…`) and GraphQL (`/graphql`), which wait for session
 * tokens before they read.
 */
@Module({})
export class ReadModelsModule implements NestModule {
  static forRoot(options: ReadModelsModuleOptions = {}): DynamicModule {
    return {
      module: ReadModelsModule,
      imports: [
        LedgerProjectionModule,
        GraphQLModule.forRoot<ApolloDriverConfig>({
          driver: ApolloDriver,
          path: GRAPHQL_PATH,
          // Built in memory at start: nothing is written to disk.
          autoSchemaFile: true,
          sortSchema: true,
          context: ({ req }: { req: unknown }) => ({ req }),
        }),
      ],
      controllers: [AccountReadsController],
      providers: [
        LedgerReadRepository,
        ...accountQueryHandlers,
        AccountsResolver,
        ConflictsResolver,
        SessionWait,
        GraphqlSessionWaitMiddleware,
        wallClockProvider,
        {
          provide: SESSION_WAIT_OPTIONS,
          useValue: { ...DEFAULT_SESSION_WAIT, ...options.sessionWait },
        },
      ],
      exports: [LedgerReadRepository, SessionWait],
    };
  }

  configure(consumer: MiddlewareConsumer): void {
    consumer.apply(GraphqlSessionWaitMiddleware).forRoutes(GRAPHQL_PATH);
  }
}
