import { KeyedLock } from './keyed-lock';

const tick = () => new Promise((resolve) => setImmediate(resolve));

describe('KeyedLock', () => {
  it('runs work on one key one at a time, in arrival order', async () => {
    const lock = new KeyedLock();
    const log: string[] = [];
    const job = (name: string) =>
      lock.run(['a'], async () => {
        log.push(`${name} start`);
        await tick();
        log.push(`${name} end`);
      });
    await Promise.all([job('1'), job('2'), job('3')]);
    expect(log).toEqual(['1 start', '1 end', '2 start', '2 end', '3 start', '3 end']);
  });

  it('lets work on other keys run at the same time', async () => {
    const lock = new KeyedLock();
    const log: string[] = [];
    const job = (key: string) =>
      lock.run([key], async () => {
        log.push(`${key} start`);
        await tick();
        log.push(`${key} end`);
      });
    await Promise.all([job('a'), job('b')]);
    expect(log).toEqual(['a start', 'b start', 'a end', 'b end']);
  });

  it('takes several keys without deadlock, whatever order callers name them in', async () => {
    const lock = new KeyedLock();
    let running = 0;
    let most = 0;
    const job = (keys: string[]) =>
      lock.run(keys, async () => {
        most = Math.max(most, ++running);
        await tick();
        running--;
      });
    await Promise.all([job(['a', 'b']), job(['b', 'a']), job(['a', 'b'])]);
    expect(most).toBe(1);
  });

  it('releases the key when the work fails', async () => {
    const lock = new KeyedLock();
    await expect(lock.run(['a'], () => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    await expect(lock.run(['a'], () => Promise.resolve(7))).resolves.toBe(7);
  });
});
