/**
 * GoTrue's `sort` query parameter of GET /admin/users: "<field>" or "<field> asc|desc", repeatable.
 * GoTrue sorts by created_at only; Foyer also by last_sign_in_at and email (support looks for whoever
 * signed in last, or an address in order).
 */
import { FoyerError } from '../errors.js';
import { sortableUserColumns, type SortableUserColumn, type UserSort } from '../store/admin-users.js';

export function parseUserSort(raw: string | readonly string[] | undefined): UserSort[] | undefined {
  if (raw === undefined) return undefined;
  return [raw].flat().map((value) => {
    const [field, direction, ...rest] = value.trim().split(/\s+/);
    if (!(sortableUserColumns as readonly string[]).includes(field) || rest.length) {
      throw new FoyerError('validation_failed', `Bad Sort Parameters: bad field for sort '${field}'`);
    }
    const dir = (direction ?? 'desc').toLowerCase();
    if (dir !== 'asc' && dir !== 'desc') {
      throw new FoyerError('validation_failed', `Bad Sort Parameters: bad direction for sort '${direction}', only 'asc' and 'desc' allowed`);
    }
    return { column: field as SortableUserColumn, direction: dir };
  });
}
