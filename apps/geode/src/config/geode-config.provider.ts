/** DI token of the validated `GeodeConfig`. */
export const GEODE_CONFIG = Symbol('GEODE_CONFIG');
