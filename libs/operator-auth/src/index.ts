export * from './load-operator-auth-config';
export * from './operator-auth-config';
export * from './operator-auth-security-log';
export * from './operator-auth.module';
export * from './operator-authentication-error';
export * from './operator-authenticator';
export * from './operator-token';
export * from './operator.guard';
