import { availableParallelism, totalmem } from 'node:os';

export interface MachineInfo {
  cpus: number;
  memoryGb: number;
  node: string;
  postgres: string;
}

export function machineInfo(postgresVersion: string): MachineInfo {
  return {
    cpus: availableParallelism(),
    memoryGb: Math.round(totalmem() / 1024 ** 3),
    node: process.version,
    postgres: postgresVersion,
  };
}
