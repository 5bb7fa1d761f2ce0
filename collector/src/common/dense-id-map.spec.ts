import { describe, expect, it } from 'vitest';
import { DenseIdMap } from './dense-id-map.js';

describe('DenseIdMap', () => {
  it('keeps values by id, counts each id once and iterates in id order, large ids included', () => {
    const map = new DenseIdMap<string>();
    map.set(5, 'five');
    map.set(1, 'one');
    map.set(2 ** 30, 'large');
    map.set(5, 'FIVE');
    expect(map.size).toBe(3);
    expect([map.get(1), map.get(5), map.get(2 ** 30), map.get(3), map.get(99)]).toEqual(['one', 'FIVE', 'large', undefined, undefined]);
    expect([...map]).toEqual([[1, 'one'], [5, 'FIVE'], [2 ** 30, 'large']]);
  });

  it('forgets deleted ids, small and large, and counts them out once', () => {
    const map = new DenseIdMap<string>();
    map.set(3, 'three');
    map.set(7, 'seven');
    map.set(2 ** 30, 'large');
    expect([map.delete(3), map.delete(3), map.delete(4), map.delete(100), map.delete(2 ** 30)]).toEqual([true, false, false, false, true]);
    expect(map.size).toBe(1);
    expect([...map]).toEqual([[7, 'seven']]);
    map.set(3, 'again');
    expect(map.size).toBe(2);
    expect([...map]).toEqual([[3, 'again'], [7, 'seven']]);
  });

  it('visits every entry in id order with forEach, large ids sorted too', () => {
    const map = new DenseIdMap<string>();
    for (const id of [2 ** 31, 9, 2 ** 25, 0, 4]) map.set(id, `v${id}`);
    const seen: Array<[number, string]> = [];
    map.forEach((value, id) => seen.push([id, value]));
    expect(seen).toEqual([[0, 'v0'], [4, 'v4'], [9, 'v9'], [2 ** 25, `v${2 ** 25}`], [2 ** 31, `v${2 ** 31}`]]);
  });

  it('visits in slices with visitFrom: stops where told and continues from the id it returns', () => {
    const map = new DenseIdMap<string>();
    for (const id of [2 ** 31, 9, 2 ** 25, 0, 4, 5]) map.set(id, `v${id}`);
    const slices: number[][] = [];
    let from: number | undefined = 0;
    while (from !== undefined) {
      const slice: number[] = [];
      from = map.visitFrom(from, (_value, id) => slice.push(id) < 2);
      slices.push(slice);
    }
    expect(slices).toEqual([[0, 4], [5, 9], [2 ** 25, 2 ** 31], []]);
    expect(map.visitFrom(6, () => true)).toBeUndefined();
  });

  it('refuses an id that is not a non-negative integer, naming it', () => {
    expect(() => new DenseIdMap<number>().set(-1, 0)).toThrow('series id must be a non-negative integer, got -1');
    expect(() => new DenseIdMap<number>().set(1.5, 0)).toThrow('series id must be a non-negative integer, got 1.5');
  });
});
