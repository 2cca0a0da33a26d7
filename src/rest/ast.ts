/**
 * A Data API request once its PostgREST query syntax is parsed (src/http/rest/parse-*.ts) and before
 * it meets the schema cache. Names here are untrusted text: the SQL builder checks every one against
 * the catalog and quotes it; values only ever become parameters.
 */

export interface JsonStep {
  readonly arrow: '->' | '->>';
  /** An object key, or an array index when `index` is true. */
  readonly key: string;
  readonly index: boolean;
}

export interface FieldRef {
  readonly name: string;
  readonly jsonPath: readonly JsonStep[];
}

export type AggregateName = 'count' | 'sum' | 'avg' | 'min' | 'max';

export type SelectItem =
  | { readonly kind: 'star' }
  | {
      readonly kind: 'field';
      readonly field: FieldRef;
      readonly alias?: string;
      readonly cast?: string;
      readonly aggregate?: AggregateName;
      readonly aggregateCast?: string;
    }
  /** `count()` (or `count` alone inside an embedded resource): the row count of its level. */
  | { readonly kind: 'count'; readonly alias?: string; readonly cast?: string }
  | EmbedItem;

export interface EmbedItem {
  readonly kind: 'embed';
  /** The related table (or, for disambiguation, a foreign key column or constraint name via `hint`). */
  readonly target: string;
  readonly alias?: string;
  readonly hint?: string;
  readonly joinType?: 'inner' | 'left';
  readonly spread: boolean;
  readonly select: readonly SelectItem[];
}

export const operators = [
  'eq', 'neq', 'gt', 'gte', 'lt', 'lte', 'like', 'ilike', 'match', 'imatch', 'is', 'isdistinct', 'in',
  'cs', 'cd', 'ov', 'sl', 'sr', 'nxr', 'nxl', 'adj', 'fts', 'plfts', 'phfts', 'wfts',
] as const;
export type Operator = (typeof operators)[number];

/** Operators that take `(any)` / `(all)` with a list: `eq(any).{a,b}`. */
export const quantifiable: ReadonlySet<Operator> = new Set(['eq', 'neq', 'gt', 'gte', 'lt', 'lte', 'like', 'ilike', 'match', 'imatch']);

export type FilterValue =
  | { readonly kind: 'scalar'; readonly text: string }
  | { readonly kind: 'list'; readonly items: readonly string[]; readonly quantifier?: 'any' | 'all' }
  | { readonly kind: 'is'; readonly value: 'null' | 'not_null' | 'true' | 'false' | 'unknown' }
  | { readonly kind: 'fts'; readonly config?: string; readonly text: string };

export interface Filter {
  readonly field: FieldRef;
  readonly negate: boolean;
  readonly op: Operator;
  readonly value: FilterValue;
}

export type Condition =
  | { readonly kind: 'filter'; readonly filter: Filter }
  | { readonly kind: 'and' | 'or'; readonly negate: boolean; readonly children: readonly Condition[] };

export interface OrderTerm {
  readonly field: FieldRef;
  /** `order=author(name).desc`: a column of a to-one embedded resource. */
  readonly relation?: string;
  readonly direction?: 'asc' | 'desc';
  readonly nulls?: 'first' | 'last';
}

/** Filters, order and range of one level: the root (path []) or an embedded resource (path ['reviews']). */
export interface LevelModifiers {
  readonly conditions: Condition[];
  order: OrderTerm[] | undefined;
  limit: number | undefined;
  offset: number | undefined;
}

export const emptyModifiers = (): LevelModifiers => ({ conditions: [], order: undefined, limit: undefined, offset: undefined });

export interface ReadRequest {
  readonly select: readonly SelectItem[];
  /** Keyed by the embed path joined with '.', '' for the root. */
  readonly levels: ReadonlyMap<string, LevelModifiers>;
}

export type CountPreference = 'exact' | 'planned' | 'estimated';

export interface Preferences {
  readonly return?: 'minimal' | 'representation' | 'headers-only';
  readonly count?: CountPreference;
  readonly resolution?: 'merge-duplicates' | 'ignore-duplicates';
  readonly missing?: 'default' | 'null';
  readonly handling?: 'strict' | 'lenient';
  readonly tx?: 'commit' | 'rollback';
  readonly maxAffected?: number;
  /** What to echo in Preference-Applied. */
  readonly applied: readonly string[];
}
