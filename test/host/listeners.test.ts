import { describe, expect, it } from 'vitest';
import { Listeners } from '../../host/src/listeners.js';

describe('Listeners', () => {
  it('calls every listener, goes on past one that throws, and forgets one that unsubscribed', () => {
    const l = new Listeners();
    const heard: string[] = [];
    l.subscribe(() => heard.push('a'));
    l.subscribe(() => {
      throw new Error('boom');
    });
    const off = l.subscribe(() => heard.push('c'));
    l.notify();
    expect(heard).toEqual(['a', 'c']);
    off();
    l.notify();
    expect(heard).toEqual(['a', 'c', 'a']);
    l.clear();
    l.notify();
    expect(heard).toEqual(['a', 'c', 'a']);
  });

  it('lets a listener unsubscribe itself while being called without skipping the others', () => {
    const l = new Listeners();
    const heard: string[] = [];
    const off = l.subscribe(() => {
      heard.push('once');
      off();
    });
    l.subscribe(() => heard.push('always'));
    l.notify();
    l.notify();
    expect(heard).toEqual(['once', 'always', 'always']);
  });
});
