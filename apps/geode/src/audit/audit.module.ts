import { Module } from '@nestjs/common';
import { AuditAdminController } from './audit-admin.controller';

/** `/admin/v1/audit/chains` and `/admin/v1/events/recent` (the CLI's `audit verify`, the console). */
@Module({ controllers: [AuditAdminController] })
export class AuditModule {}
