import { Projections1795800000000 } from './1795800000000-projections';

/** The projection platform's migrations, in order; apps list them among their own. */
export const projectionMigrations = [Projections1795800000000];
