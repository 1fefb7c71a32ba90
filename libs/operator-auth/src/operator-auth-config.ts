/** One token an operator may present: only its SHA-256 digest is kept in memory. */
export interface OperatorCredential {
  /** Recorded as the operator in merge and home-move events. */
  name: string;
  /** SHA-256 of the token's UTF-8 bytes. */
  digest: Buffer;
}

/** Who may call operator routes (`/admin/v1/…`, conflict resolution, home moves); ADR 0014. */
export interface OperatorAuthConfig {
  /** Empty: operator routes refuse every caller (403), never serve anonymously. */
  credentials: readonly OperatorCredential[];
}

/** No operator tokens: operator routes refuse every caller. */
export const NO_OPERATOR_AUTH: OperatorAuthConfig = { credentials: [] };
