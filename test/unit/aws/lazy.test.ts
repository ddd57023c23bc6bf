import { onFirstUse } from '../../../shared/aws/lazy.ts';

describe('onFirstUse', () => {
  it('loads nothing until first called, then once for every caller', async () => {
    let loads = 0;
    const get = onFirstUse(async () => {
      loads += 1;
      return { client: loads };
    });
    expect(loads).toBe(0);
    const [a, b] = await Promise.all([get(), get()]);
    const c = await get();
    expect(loads).toBe(1);
    expect(a).toBe(b);
    expect(c).toBe(a);
  });

  it('tries again after a failed load instead of keeping the failure', async () => {
    let attempts = 0;
    const get = onFirstUse(async () => {
      attempts += 1;
      if (attempts === 1) throw new Error('module not found');
      return 'loaded';
    });
    await expect(get()).rejects.toThrow('module not found');
    await expect(get()).resolves.toBe('loaded');
    expect(attempts).toBe(2);
  });
});
