import type { ParseArgsOptionsConfig } from 'node:util';

/** `--token`, for commands that call a geode's operator routes (ADR 0014). */
export const OPERATOR_TOKEN_OPTION: ParseArgsOptionsConfig = { token: { type: 'string' } };

export const OPERATOR_TOKEN_HELP =
  "  --token <token>     operator token (env GEODE_OPERATOR_TOKEN; default: the world's own, from its files)";
