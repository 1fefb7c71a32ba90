/** A test operator and its token, configured by `startGeodeApp` unless a test asks otherwise. */
export const TEST_OPERATOR = {
  name: 'test-operator',
  token: 'test-operator-token-7Qm2xK9pLw4RzT8vBn3HcY6dFj5sGa1E',
} as const;

/** `GEODE_OPERATOR_TOKENS` for the test operator. */
export const TEST_OPERATOR_TOKENS = `${TEST_OPERATOR.name}:${TEST_OPERATOR.token}`;

/** The header that authenticates a request as `TEST_OPERATOR`. */
export const operatorAuthorization = (token: string = TEST_OPERATOR.token) => ({
  authorization: `Bearer ${token}`,
});
