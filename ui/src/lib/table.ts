/**
 * A DataTable `pt.bodyRow` function that gives each row `data-testid="{prefix}-{row[key]}"`,
 * e.g. `:pt="{ bodyRow: rowTestId<Doctor>('doctor-row', 'id') }"` → `doctor-row-7`.
 */
export function rowTestId<T>(prefix: string, key: keyof T) {
  return ({ instance }: { instance: { rowData?: T } }) => ({ "data-testid": `${prefix}-${instance?.rowData?.[key] ?? ""}` });
}
