/**
 * A deliberately small SQL engine for the statements API: enough for a task to create its audit
 * table, insert rows with named parameters and read rows back. Values are kept as strings (or null),
 * which is how the JSON_ARRAY result format returns them anyway. Anything outside the supported
 * grammar fails the statement the way a warehouse does (state FAILED, `status.error`), so a client
 * that builds SQL by string concatenation is caught by its quotes and literals not being markers.
 *
 * Supported:
 *   CREATE TABLE [IF NOT EXISTS] <name> (<col> <TYPE>, ...) [USING DELTA]
 *   INSERT INTO <name> [(<col>, ...)] VALUES (<expr>, ...)[, (...)]
 *   SELECT <col>, ... | * FROM <name> [WHERE <ref> = <expr> [AND ...]] [ORDER BY <ref> [ASC|DESC], ...] [LIMIT <n>]
 * where <expr> is a `:named` marker, a string or number literal, TRUE/FALSE or NULL, and <name> has
 * up to three parts, each optionally `backquoted`, completed from the request's catalog and schema.
 * <ref> is a column or a field of a STRUCT column (`window`.`start`, as Lakehouse Monitoring's
 * output tables are queried); struct values are kept as the JSON text JSON_ARRAY returns for them.
 */
import type { StatementParameterListItem } from '@databricks/sdk-experimental/dist/apis/sql/model';
import type { ScenarioColumn } from './scenario';

/** A statement failure as it appears in `status.error`. */
export class SqlError extends Error {
  constructor(
    readonly errorCode: 'BAD_REQUEST' | 'NOT_FOUND' | 'ALREADY_EXISTS' | 'INTERNAL_ERROR',
    message: string,
  ) {
    super(message);
  }
}

/** A value in a statement: a marker, a literal or NULL. */
export type SqlExpression = { kind: 'parameter'; name: string } | { kind: 'literal'; value: string | null };

export type ParsedStatement =
  | { kind: 'create'; table: string; ifNotExists: boolean; columns: ScenarioColumn[] }
  | { kind: 'insert'; table: string; columns?: string[]; rows: SqlExpression[][] }
  | {
      kind: 'select';
      table: string;
      /** undefined = `*`. */
      columns?: string[];
      where: Array<{ column: string; field?: string; value: SqlExpression }>;
      orderBy: Array<{ column: string; field?: string; descending: boolean }>;
      limit?: number;
    };

type Token =
  | { type: 'word'; value: string; quoted: boolean }
  | { type: 'string'; value: string }
  | { type: 'number'; value: string }
  | { type: 'marker'; value: string }
  | { type: 'punct'; value: string };

function tokenize(sql: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < sql.length) {
    const c = sql[i];
    if (/\s/.test(c)) {
      i++;
    } else if (c === '-' && sql[i + 1] === '-') {
      while (i < sql.length && sql[i] !== '\n') i++;
    } else if (c === "'" || c === '"') {
      let value = '';
      i++;
      for (;;) {
        if (i >= sql.length) throw new SqlError('BAD_REQUEST', '[PARSE_SYNTAX_ERROR] Syntax error: unterminated string literal.');
        if (sql[i] === c && sql[i + 1] === c) {
          value += c;
          i += 2;
        } else if (sql[i] === c) {
          i++;
          break;
        } else if (sql[i] === '\\' && i + 1 < sql.length) {
          value += sql[i + 1];
          i += 2;
        } else {
          value += sql[i++];
        }
      }
      tokens.push({ type: 'string', value });
    } else if (c === '`') {
      const end = sql.indexOf('`', i + 1);
      if (end < 0) throw new SqlError('BAD_REQUEST', '[PARSE_SYNTAX_ERROR] Syntax error: unterminated identifier.');
      tokens.push({ type: 'word', value: sql.slice(i + 1, end), quoted: true });
      i = end + 1;
    } else if (c === ':' && /[A-Za-z_]/.test(sql[i + 1] ?? '')) {
      const match = /^:([A-Za-z_][A-Za-z0-9_]*)/.exec(sql.slice(i))!;
      tokens.push({ type: 'marker', value: match[1] });
      i += match[0].length;
    } else if (/[0-9]/.test(c) || (c === '-' && /[0-9]/.test(sql[i + 1] ?? ''))) {
      const match = /^-?[0-9]+(\.[0-9]+)?([eE][-+]?[0-9]+)?/.exec(sql.slice(i))!;
      tokens.push({ type: 'number', value: match[0] });
      i += match[0].length;
    } else if (/[A-Za-z_]/.test(c)) {
      const match = /^[A-Za-z_][A-Za-z0-9_]*/.exec(sql.slice(i))!;
      tokens.push({ type: 'word', value: match[0], quoted: false });
      i += match[0].length;
    } else if (c === '?') {
      throw new SqlError('BAD_REQUEST', '[UNSUPPORTED_FEATURE] Positional parameter markers (?) are not supported; use named :markers.');
    } else if ('(),.*=;'.includes(c)) {
      tokens.push({ type: 'punct', value: c });
      i++;
    } else {
      throw new SqlError('BAD_REQUEST', `[PARSE_SYNTAX_ERROR] Syntax error at or near '${c}'.`);
    }
  }
  while (tokens.length > 0 && tokens[tokens.length - 1].type === 'punct' && tokens[tokens.length - 1].value === ';') tokens.pop();
  return tokens;
}

class Parser {
  private position = 0;

  constructor(
    private readonly tokens: Token[],
    private readonly defaults: { catalog?: string; schema?: string },
  ) {}

  private peek(): Token | undefined {
    return this.tokens[this.position];
  }

  private fail(): never {
    const token = this.peek();
    const near = token ? `'${token.value}'` : 'end of input';
    throw new SqlError('BAD_REQUEST', `[PARSE_SYNTAX_ERROR] Syntax error at or near ${near}.`);
  }

  private isKeyword(keyword: string): boolean {
    const token = this.peek();
    return token?.type === 'word' && !token.quoted && token.value.toUpperCase() === keyword;
  }

  private acceptKeyword(...keywords: string[]): boolean {
    const start = this.position;
    for (const keyword of keywords) {
      if (!this.isKeyword(keyword)) {
        this.position = start;
        return false;
      }
      this.position++;
    }
    return true;
  }

  private keyword(...keywords: string[]): void {
    if (!this.acceptKeyword(...keywords)) this.fail();
  }

  private acceptPunct(value: string): boolean {
    const token = this.peek();
    if (token?.type === 'punct' && token.value === value) {
      this.position++;
      return true;
    }
    return false;
  }

  private punct(value: string): void {
    if (!this.acceptPunct(value)) this.fail();
  }

  private identifier(): string {
    const token = this.peek();
    if (token?.type !== 'word') this.fail();
    this.position++;
    return token.value.toLowerCase();
  }

  /** A column, or `column.field` of a struct column. */
  private columnReference(): { column: string; field?: string } {
    const column = this.identifier();
    return this.acceptPunct('.') ? { column, field: this.identifier() } : { column };
  }

  private tableName(): string {
    const parts = [this.identifier()];
    while (this.acceptPunct('.')) parts.push(this.identifier());
    if (parts.length > 3) this.fail();
    if (parts.length === 2 && this.defaults.catalog) parts.unshift(this.defaults.catalog.toLowerCase());
    if (parts.length === 1 && this.defaults.catalog && this.defaults.schema) {
      parts.unshift(this.defaults.catalog.toLowerCase(), this.defaults.schema.toLowerCase());
    }
    if (parts.length !== 3) {
      throw new SqlError('BAD_REQUEST', `[TABLE_OR_VIEW_NOT_FOUND] The table or view \`${parts.join('`.`')}\` cannot be found.`);
    }
    return parts.join('.');
  }

  private expression(): SqlExpression {
    const token = this.peek();
    if (!token) this.fail();
    this.position++;
    if (token.type === 'marker') return { kind: 'parameter', name: token.value };
    if (token.type === 'string' || token.type === 'number') return { kind: 'literal', value: token.value };
    if (token.type === 'word' && !token.quoted) {
      const upper = token.value.toUpperCase();
      if (upper === 'NULL') return { kind: 'literal', value: null };
      if (upper === 'TRUE' || upper === 'FALSE') return { kind: 'literal', value: upper.toLowerCase() };
    }
    this.position--;
    return this.fail();
  }

  private columnType(): string {
    let type = this.identifier().toUpperCase();
    if (this.acceptPunct('(')) {
      const args: string[] = [];
      do {
        const token = this.peek();
        if (token?.type !== 'number') this.fail();
        args.push(token.value);
        this.position++;
      } while (this.acceptPunct(','));
      this.punct(')');
      type += `(${args.join(',')})`;
    }
    return type;
  }

  private end(): void {
    if (this.position < this.tokens.length) this.fail();
  }

  parse(): ParsedStatement {
    if (this.acceptKeyword('CREATE', 'TABLE')) return this.create();
    if (this.acceptKeyword('INSERT', 'INTO')) return this.insert();
    if (this.acceptKeyword('SELECT')) return this.select();
    return this.fail();
  }

  private create(): ParsedStatement {
    const ifNotExists = this.acceptKeyword('IF', 'NOT', 'EXISTS');
    const table = this.tableName();
    this.punct('(');
    const columns: ScenarioColumn[] = [];
    do {
      const name = this.identifier();
      const type = this.columnType();
      this.acceptKeyword('NOT', 'NULL');
      if (this.acceptKeyword('COMMENT')) {
        if (this.peek()?.type !== 'string') this.fail();
        this.position++;
      }
      columns.push({ name, type });
    } while (this.acceptPunct(','));
    this.punct(')');
    if (this.acceptKeyword('USING')) this.keyword('DELTA');
    this.end();
    return { kind: 'create', table, ifNotExists, columns };
  }

  private insert(): ParsedStatement {
    const table = this.tableName();
    let columns: string[] | undefined;
    if (this.acceptPunct('(')) {
      columns = [];
      do columns.push(this.identifier());
      while (this.acceptPunct(','));
      this.punct(')');
    }
    this.keyword('VALUES');
    const rows: SqlExpression[][] = [];
    do {
      this.punct('(');
      const row: SqlExpression[] = [];
      do row.push(this.expression());
      while (this.acceptPunct(','));
      this.punct(')');
      rows.push(row);
    } while (this.acceptPunct(','));
    this.end();
    return { kind: 'insert', table, columns, rows };
  }

  private select(): ParsedStatement {
    let columns: string[] | undefined;
    if (!this.acceptPunct('*')) {
      columns = [];
      do columns.push(this.identifier());
      while (this.acceptPunct(','));
    }
    this.keyword('FROM');
    const table = this.tableName();
    const where: Array<{ column: string; field?: string; value: SqlExpression }> = [];
    if (this.acceptKeyword('WHERE')) {
      do {
        const reference = this.columnReference();
        this.punct('=');
        where.push({ ...reference, value: this.expression() });
      } while (this.acceptKeyword('AND'));
    }
    const orderBy: Array<{ column: string; field?: string; descending: boolean }> = [];
    if (this.acceptKeyword('ORDER', 'BY')) {
      do {
        const reference = this.columnReference();
        const descending = this.acceptKeyword('DESC');
        if (!descending) this.acceptKeyword('ASC');
        orderBy.push({ ...reference, descending });
      } while (this.acceptPunct(','));
    }
    let limit: number | undefined;
    if (this.acceptKeyword('LIMIT')) {
      const token = this.peek();
      if (token?.type !== 'number' || !/^\d+$/.test(token.value)) this.fail();
      limit = Number(token.value);
      this.position++;
    }
    this.end();
    return { kind: 'select', table, columns, where, orderBy, limit };
  }
}

/** Parses one statement; throws {@link SqlError} for anything outside the grammar. */
export function parseStatement(sql: string, defaults: { catalog?: string; schema?: string } = {}): ParsedStatement {
  return new Parser(tokenize(sql), defaults).parse();
}

/** An in-memory table, as the engine needs it. */
export interface EngineTable {
  name: string;
  columns: ScenarioColumn[];
  rows: Array<Array<string | null>>;
}

/** What the engine reads and writes. */
export interface EngineContext {
  tables: Map<string, EngineTable>;
  /** A failure to inject into a write to `table`, if any. */
  writeFault(table: string): { errorCode: string; message: string } | undefined;
}

/** Rows and their columns, or none for DDL. */
export interface StatementResult {
  columns: ScenarioColumn[];
  rows: Array<Array<string | null>>;
}

const numericTypes = /^(TINYINT|BYTE|SMALLINT|SHORT|INT|INTEGER|BIGINT|LONG|FLOAT|DOUBLE|REAL|DECIMAL|NUMERIC)\b/;
const integerTypes = /^(TINYINT|BYTE|SMALLINT|SHORT|INT|INTEGER|BIGINT|LONG)$/;

/** Checks a value against a column type as Spark's implicit cast would, and normalises it. */
function coerce(value: string | null, column: ScenarioColumn): string | null {
  if (value === null) return null;
  const type = column.type.toUpperCase();
  if (integerTypes.test(type) && !/^-?\d+$/.test(value.trim())) {
    throw new SqlError('BAD_REQUEST', `[CAST_INVALID_INPUT] The value '${value}' of the type "STRING" cannot be cast to "${type}" for column \`${column.name}\`.`);
  }
  if (numericTypes.test(type) && !Number.isFinite(Number(value.trim()))) {
    throw new SqlError('BAD_REQUEST', `[CAST_INVALID_INPUT] The value '${value}' of the type "STRING" cannot be cast to "${type}" for column \`${column.name}\`.`);
  }
  if (type === 'BOOLEAN') {
    const lower = value.trim().toLowerCase();
    if (lower !== 'true' && lower !== 'false') {
      throw new SqlError('BAD_REQUEST', `[CAST_INVALID_INPUT] The value '${value}' cannot be cast to "BOOLEAN" for column \`${column.name}\`.`);
    }
    return lower;
  }
  return value;
}

function resolve(expression: SqlExpression, parameters: Map<string, StatementParameterListItem>): string | null {
  if (expression.kind === 'literal') return expression.value;
  const parameter = parameters.get(expression.name);
  if (!parameter) throw new SqlError('BAD_REQUEST', `[UNBOUND_SQL_PARAMETER] Found the unbound parameter: ${expression.name}.`);
  return parameter.value ?? null;
}

function tableOrFail(context: EngineContext, name: string): EngineTable {
  const table = context.tables.get(name);
  if (!table) throw new SqlError('BAD_REQUEST', `[TABLE_OR_VIEW_NOT_FOUND] The table or view \`${name.split('.').join('`.`')}\` cannot be found.`);
  return table;
}

function columnIndex(table: EngineTable, column: string): number {
  const index = table.columns.findIndex((c) => c.name.toLowerCase() === column);
  if (index < 0) {
    throw new SqlError('BAD_REQUEST', `[UNRESOLVED_COLUMN.WITH_SUGGESTION] A column with name \`${column}\` cannot be resolved. Did you mean one of: ${table.columns.map((c) => `\`${c.name}\``).join(', ')}?`);
  }
  return index;
}

/** A struct field's value as text (what comparing it needs); the column must be a STRUCT. */
function fieldValue(table: EngineTable, index: number, field: string, value: string | null): string | null {
  const column = table.columns[index];
  if (!/^STRUCT\s*</i.test(column.type)) {
    throw new SqlError('BAD_REQUEST', `[INVALID_EXTRACT_BASE_FIELD_TYPE] Can't extract a value from \`${column.name}\`: need a STRUCT, but got "${column.type.toUpperCase()}".`);
  }
  if (value === null) return null;
  const struct = JSON.parse(value) as Record<string, unknown>;
  const keys = Object.keys(struct);
  const key = keys.find((k) => k.toLowerCase() === field);
  if (key === undefined) {
    throw new SqlError('BAD_REQUEST', `[FIELD_NOT_FOUND] No such struct field \`${field}\` in ${keys.map((k) => `\`${k}\``).join(', ')}.`);
  }
  const found = struct[key];
  return found === null || found === undefined ? null : String(found);
}

/** Reads a column or struct field of a row, with the type comparisons use. */
function reader(table: EngineTable, reference: { column: string; field?: string }): { read: (row: Array<string | null>) => string | null; type: string } {
  const index = columnIndex(table, reference.column);
  const { field } = reference;
  if (field === undefined) return { read: (row) => row[index], type: table.columns[index].type };
  // Field types are not modelled; struct fields of the monitor tables compared here are timestamps.
  return { read: (row) => fieldValue(table, index, field, row[index]), type: 'STRING' };
}

function compare(a: string | null, b: string | null, type: string): number {
  if (a === b) return 0;
  if (a === null) return -1;
  if (b === null) return 1;
  if (numericTypes.test(type.toUpperCase())) return Number(a) - Number(b);
  return a < b ? -1 : 1;
}

/** Runs a parsed statement against the tables. */
export function executeStatement(
  statement: ParsedStatement,
  parameterList: StatementParameterListItem[],
  context: EngineContext,
): StatementResult {
  const parameters = new Map(parameterList.map((p) => [p.name, p]));
  switch (statement.kind) {
    case 'create': {
      if (context.tables.has(statement.table)) {
        if (statement.ifNotExists) return { columns: [], rows: [] };
        throw new SqlError('ALREADY_EXISTS', `[TABLE_OR_VIEW_ALREADY_EXISTS] Cannot create table or view \`${statement.table.split('.').join('`.`')}\` because it already exists.`);
      }
      context.tables.set(statement.table, { name: statement.table, columns: statement.columns, rows: [] });
      return { columns: [], rows: [] };
    }
    case 'insert': {
      const table = tableOrFail(context, statement.table);
      const targets = (statement.columns ?? table.columns.map((c) => c.name.toLowerCase())).map((c) => columnIndex(table, c));
      const newRows = statement.rows.map((row) => {
        if (row.length !== targets.length) {
          throw new SqlError('BAD_REQUEST', `[INSERT_COLUMN_ARITY_MISMATCH] Cannot write to \`${statement.table}\`: expected ${targets.length} values, found ${row.length}.`);
        }
        const values: Array<string | null> = table.columns.map(() => null);
        row.forEach((expression, i) => {
          values[targets[i]] = coerce(resolve(expression, parameters), table.columns[targets[i]]);
        });
        return values;
      });
      const fault = context.writeFault(statement.table);
      if (fault) throw new SqlError(fault.errorCode as SqlError['errorCode'], fault.message);
      table.rows.push(...newRows);
      const count = String(newRows.length);
      return {
        columns: [
          { name: 'num_affected_rows', type: 'BIGINT' },
          { name: 'num_inserted_rows', type: 'BIGINT' },
        ],
        rows: [[count, count]],
      };
    }
    case 'select': {
      const table = tableOrFail(context, statement.table);
      const filters = statement.where.map((w) => ({ ...reader(table, w), value: resolve(w.value, parameters) }));
      // SQL `=` is never true for NULL on either side.
      let rows = table.rows.filter((row) =>
        filters.every((f) => {
          const value = f.read(row);
          return f.value !== null && value !== null && compare(value, f.value, f.type) === 0;
        }),
      );
      if (statement.orderBy.length > 0) {
        const keys = statement.orderBy.map((o) => ({ ...reader(table, o), descending: o.descending }));
        rows = [...rows].sort((a, b) => {
          for (const key of keys) {
            const order = compare(key.read(a), key.read(b), key.type);
            if (order !== 0) return key.descending ? -order : order;
          }
          return 0;
        });
      }
      if (statement.limit !== undefined) rows = rows.slice(0, statement.limit);
      const indexes = statement.columns ? statement.columns.map((c) => columnIndex(table, c)) : table.columns.map((_, i) => i);
      return {
        columns: indexes.map((i) => table.columns[i]),
        rows: rows.map((row) => indexes.map((i) => row[i])),
      };
    }
  }
}
