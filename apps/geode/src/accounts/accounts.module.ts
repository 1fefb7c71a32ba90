import { Module } from '@nestjs/common';
import { CqrsModule } from '@nestjs/cqrs';
import { wallClockProvider } from '../clock/wall-clock.provider';
import {
  commandSupportProvider,
  ExecuteAccountCommandHandler,
  ExecuteTransferHandler,
} from './account-commands';
import { AccountRepository } from './account-repository';
import { AccountsController } from './accounts.controller';

/** Accounts and transfers: the ledger's command side over HTTP. */
@Module({
  imports: [CqrsModule.forRoot()],
  controllers: [AccountsController],
  providers: [
    AccountRepository,
    wallClockProvider,
    commandSupportProvider,
    ExecuteAccountCommandHandler,
    ExecuteTransferHandler,
  ],
})
export class AccountsModule {}
