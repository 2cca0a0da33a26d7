/**
 * Embedding: which foreign key joins a table to the resource named in `select=…,target(…)`, as
 * PostgREST infers it — many-to-one, one-to-many, one-to-one (unique foreign key) and many-to-many
 * through a junction table whose key holds both foreign keys. A `!hint` (constraint name, column or
 * junction table) picks one when several match.
 */
import { RestError } from './errors.js';
import { relationKey, type ForeignKey, type SchemaSnapshot, type TableInfo } from './schema-cache.js';

export type Cardinality = 'many-to-one' | 'one-to-many' | 'one-to-one' | 'many-to-many';

export interface Relationship {
  readonly cardinality: Cardinality;
  readonly target: TableInfo;
  /** Direct joins: source.sourceColumns[i] = target.targetColumns[i]. */
  readonly sourceColumns: readonly string[];
  readonly targetColumns: readonly string[];
  /** Many-to-many: junction.sourceFk → source, junction.targetFk → target. */
  readonly junction?: { readonly table: TableInfo; readonly sourceFk: ForeignKey; readonly targetFk: ForeignKey };
  readonly constraint: string;
  readonly toOne: boolean;
}

const sameSet = (a: readonly string[], b: readonly string[]) => a.length === b.length && a.every((column) => b.includes(column));
const isUnique = (table: TableInfo, columns: readonly string[]) => table.uniqueKeys.some((key) => sameSet(key, columns));
const within = (columns: readonly string[], key: readonly string[]) => columns.every((column) => key.includes(column));

function candidates(snapshot: SchemaSnapshot, source: TableInfo, target: TableInfo): Relationship[] {
  const found: Relationship[] = [];
  const is = (schema: string, name: string, table: TableInfo) => schema === table.schema && name === table.name;
  for (const fk of snapshot.foreignKeys) {
    if (is(fk.schema, fk.table, source) && is(fk.refSchema, fk.refTable, target)) {
      found.push({
        cardinality: isUnique(source, fk.columns) ? 'one-to-one' : 'many-to-one',
        target, sourceColumns: fk.columns, targetColumns: fk.refColumns, constraint: fk.name, toOne: true,
      });
    }
    const selfReference = source.schema === target.schema && source.name === target.name;
    if (is(fk.schema, fk.table, target) && is(fk.refSchema, fk.refTable, source) && !selfReference) {
      const unique = isUnique(target, fk.columns);
      found.push({
        cardinality: unique ? 'one-to-one' : 'one-to-many',
        target, sourceColumns: fk.refColumns, targetColumns: fk.columns, constraint: fk.name, toOne: unique,
      });
    }
  }
  // Many-to-many: a junction table with a foreign key to each side, both inside one of its keys.
  for (const sourceFk of snapshot.foreignKeys) {
    if (!is(sourceFk.refSchema, sourceFk.refTable, source)) continue;
    const junction = snapshot.tables.get(relationKey(sourceFk.schema, sourceFk.table));
    if (!junction || is(junction.schema, junction.name, source) || is(junction.schema, junction.name, target)) continue;
    for (const targetFk of snapshot.foreignKeys) {
      if (targetFk === sourceFk || targetFk.schema !== sourceFk.schema || targetFk.table !== sourceFk.table) continue;
      if (!is(targetFk.refSchema, targetFk.refTable, target)) continue;
      const both = [...sourceFk.columns, ...targetFk.columns];
      if (!junction.uniqueKeys.some((key) => within(both, key))) continue;
      found.push({
        cardinality: 'many-to-many', target, sourceColumns: sourceFk.refColumns, targetColumns: targetFk.refColumns,
        junction: { table: junction, sourceFk, targetFk }, constraint: `${sourceFk.name},${targetFk.name}`, toOne: false,
      });
    }
  }
  return found;
}

function matchesHint(relationship: Relationship, hint: string): boolean {
  if (relationship.junction) {
    const { table, sourceFk, targetFk } = relationship.junction;
    return hint === table.name || hint === sourceFk.name || hint === targetFk.name;
  }
  if (hint === relationship.constraint) return true;
  const columns = relationship.cardinality === 'one-to-many' || (relationship.cardinality === 'one-to-one' && !relationship.toOne)
    ? relationship.targetColumns
    : [...relationship.sourceColumns, ...relationship.targetColumns];
  return columns.length > 0 && (columns.includes(hint) || relationship.targetColumns.includes(hint) || relationship.sourceColumns.includes(hint));
}

function describe(source: TableInfo, relationship: Relationship) {
  const { target } = relationship;
  const relation = relationship.junction
    ? `${relationship.junction.table.schema}.${relationship.junction.table.name} using ${relationship.junction.sourceFk.name} and ${relationship.junction.targetFk.name}`
    : `${relationship.constraint} using ${source.schema}.${source.name}(${relationship.sourceColumns.join(', ')}) and ${target.schema}.${target.name}(${relationship.targetColumns.join(', ')})`;
  return { cardinality: relationship.cardinality, embedding: `${source.name} with ${target.name}`, relationship: relation };
}

export function resolveRelationship(snapshot: SchemaSnapshot, source: TableInfo, targetName: string, hint?: string): Relationship {
  const target = snapshot.tables.get(relationKey(source.schema, targetName));
  const notFound = () =>
    new RestError(400, 'PGRST200', `Could not find a relationship between '${source.name}' and '${targetName}' in the schema cache`, {
      details: `Searched for a foreign key relationship between '${source.name}' and '${targetName}'${hint ? ` using the hint '${hint}'` : ''} in the schema '${source.schema}', but no matches were found.`,
      hint: null,
      schemaMiss: true,
    });
  if (!target) throw notFound();
  let found = candidates(snapshot, source, target);
  if (hint !== undefined) found = found.filter((relationship) => matchesHint(relationship, hint));
  if (found.length === 0) throw notFound();
  if (found.length > 1) {
    // A self-reference hinted by its column: PostgREST embeds the parent (many-to-one).
    const direct = found.filter((relationship) => relationship.toOne && !relationship.junction);
    if (hint !== undefined && direct.length === 1) return direct[0];
    throw new RestError(300, 'PGRST201', `Could not embed because more than one relationship was found for '${source.name}' and '${targetName}'`, {
      details: found.map((relationship) => describe(source, relationship)),
      hint: `Try changing '${targetName}' to one of the following: ${found
        .map((relationship) => `'${targetName}!${relationship.junction ? relationship.junction.table.name : relationship.constraint}'`)
        .join(', ')}. Find the desired relationship in the 'details' key.`,
    });
  }
  return found[0];
}
