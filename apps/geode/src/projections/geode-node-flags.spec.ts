import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { GEODE_NODE_FLAGS } from './geode-node-flags';

const ROOT = join(__dirname, '..', '..', '..', '..');

// The world and the projections benchmark import the flags; these two places cannot.
describe('the geode starts with its V8 flags', () => {
  it('in `npm run start:geode`', () => {
    const scripts = (
      JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {
        scripts: Record<string, string>;
      }
    ).scripts;
    expect(scripts['start:geode']).toContain(
      `node ${GEODE_NODE_FLAGS.join(' ')} dist/apps/geode/src/main.js`,
    );
  });

  it('in the Docker image', () => {
    const dockerfile = readFileSync(join(ROOT, 'docker', 'Dockerfile'), 'utf8');
    const cmd = JSON.stringify([...GEODE_NODE_FLAGS, 'dist/apps/geode/src/main.js']);
    expect(dockerfile).toContain(`CMD ${cmd.replaceAll(',', ', ')}`);
  });
});
