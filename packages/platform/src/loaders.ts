import DataLoader from 'dataloader';
import { badInput } from './errors';

/** The largest page any list field serves (`first` is 1 to this). */
export const MAX_LIST_SIZE = 100;

/** Refuses a `first` outside 1..max, naming the argument. */
export function checkFirst(first: unknown, what: string, max = MAX_LIST_SIZE): number {
  if (typeof first !== 'number' || !Number.isInteger(first) || first < 1 || first > max)
    throw badInput(`Ask for 1 to ${max} ${what} at a time.`, { field: 'first' });
  return first;
}

/** One parent's list, with the options (page size, cursor) it was asked with. */
export type ListKey<O> = { parentId: string } & O;

/**
 * A per-request loader for a list field resolved once per parent object (`User.organizedEvents`,
 * `Event.messages`, …): the parents of one level that ask with the same options are loaded in
 * one query, so a page of N parents costs one query instead of N.
 */
export function listLoader<O extends object, R>(
  load: (parentIds: string[], options: O) => Promise<Map<string, R>>,
  /** A parent the query found nothing for gets this. */
  missing: R,
): DataLoader<ListKey<O>, R, string> {
  const optionsOf = ({ parentId: _parentId, ...options }: ListKey<O>) => options as unknown as O;
  return new DataLoader<ListKey<O>, R, string>(
    async (keys) => {
      const groups = new Map<string, { options: O; ids: string[] }>();
      for (const key of keys) {
        const options = optionsOf(key);
        const id = JSON.stringify(options);
        const group = groups.get(id) ?? { options, ids: [] };
        group.ids.push(key.parentId);
        groups.set(id, group);
      }
      const found = new Map<string, Map<string, R>>();
      for (const [id, group] of groups)
        found.set(id, await load([...new Set(group.ids)], group.options));
      return keys.map(
        (key) => found.get(JSON.stringify(optionsOf(key)))?.get(key.parentId) ?? missing,
      );
    },
    { cacheKeyFn: (key) => JSON.stringify([key.parentId, optionsOf(key)]) },
  );
}

/** Rows grouped by a parent id, each group in the order the rows came. */
export function groupBy<V>(rows: V[], parentOf: (row: V) => string): Map<string, V[]> {
  const groups = new Map<string, V[]>();
  for (const row of rows) {
    const id = parentOf(row);
    const group = groups.get(id);
    if (group) group.push(row);
    else groups.set(id, [row]);
  }
  return groups;
}
