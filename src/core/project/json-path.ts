const IDENTIFIER = /^[A-Za-z_$][A-Za-z0-9_$]*$/

/** `['stages', 2, 'dependsOn']` → `$.stages[2].dependsOn`, the form users see in error messages. */
export const toJsonPath = (path: readonly PropertyKey[]): string =>
  path.reduce<string>((out, key) => {
    if (typeof key === 'number') return `${out}[${key}]`
    const name = String(key)
    return IDENTIFIER.test(name) ? `${out}.${name}` : `${out}[${JSON.stringify(name)}]`
  }, '$')
