/**
 * Statements of a schema diff that can throw rows or values away: dropping a table, a column,
 * a schema, a sequence or a materialized view, truncating, or changing a column's type (a cast
 * may fail or lose precision). Dropping an index, a constraint or a view loses no data.
 */
const DROPS_DATA = [
  /^drop\s+(table|schema|sequence|materialized\s+view)\b/i,
  /^alter\s+table\b.*\bdrop\s+column\b/is,
  /^alter\s+table\b.*\balter\s+column\b.*\btype\b/is,
  /^truncate\b/i,
]

export const dropsData = (statement: string): boolean =>
  DROPS_DATA.some((re) => re.test(statement.trim()))

export interface DownSqlPlan {
  /** Every statement, in order: run together they take live back to the checkpoint's schema. */
  statements: string[]
  /** The statements above that drop data (also in `statements`, in the same order). */
  dataLoss: string[]
  /** The whole script, one statement per line, ready to print or to run in one transaction. */
  sql: string
}

export function downSqlPlan(statements: string[]): DownSqlPlan {
  const clean = statements.map((s) => (s.endsWith(';') ? s : `${s};`))
  return {
    statements: clean,
    dataLoss: clean.filter(dropsData),
    sql: clean.length > 0 ? `${clean.join('\n')}\n` : '',
  }
}
