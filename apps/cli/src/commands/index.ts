import type { CliCommand } from '../command-table';
import { auditVerifyCommand } from './audit.command';
import { healCommand, killCommand, partitionCommand, refillCommand } from './fault.commands';
import {
  projectionsListCommand,
  projectionsRebuildCommand,
  projectionsResetCommand,
} from './projections.commands';
import { statusCommand } from './status.command';
import { tourCommand } from './tour.command';
import { worldCommand } from './world.command';

/** Every `geode` command, in the order --help lists them. */
export const COMMANDS: readonly CliCommand[] = [
  worldCommand,
  tourCommand,
  statusCommand,
  partitionCommand,
  healCommand,
  killCommand,
  auditVerifyCommand,
  projectionsListCommand,
  projectionsRebuildCommand,
  projectionsResetCommand,
  refillCommand,
];
