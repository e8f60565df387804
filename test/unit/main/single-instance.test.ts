// One Kassa per user: a second launch focuses the first instance's window and quits.
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { FakeBrowserWindow, fake, resetFake } from './fake-electron.ts';

vi.mock('electron', async () => (await import('./fake-electron.ts')).electron);

const { acquireSingleInstance, focusWindow } = await import('../../../src-main/single-instance.ts');

beforeEach(() => resetFake());

describe('acquireSingleInstance', () => {
  it('the first instance keeps the lock and hears of later launches', () => {
    const seen: string[][] = [];
    expect(acquireSingleInstance(fake.app as never, (argv) => seen.push(argv))).toBe(true);
    fake.app.emit('second-instance', {}, ['/opt/Kassa/kassa', '--hidden'], '/home/me');
    expect(seen).toEqual([['/opt/Kassa/kassa', '--hidden']]);
    expect(fake.app.quit).not.toHaveBeenCalled();
  });

  it('a second instance quits at once', () => {
    fake.app.lock = false;
    const onSecond = vi.fn();
    expect(acquireSingleInstance(fake.app as never, onSecond)).toBe(false);
    expect(fake.app.quit).toHaveBeenCalledOnce();
    expect(fake.app.listenerCount('second-instance')).toBe(0);
  });
});

describe('focusWindow', () => {
  it('restores, shows and focuses', () => {
    const win = new FakeBrowserWindow({});
    win.minimized = true;
    focusWindow(win as never);
    expect(win.minimized).toBe(false);
    expect(win.visible).toBe(true);
    expect(win.focused).toBe(1);
  });
});
