export * from './dev-certs';
export * from './peer-keys';
