// The dashboard's tables: on phones (`stack-sm`) each row becomes a card whose cells are labelled by
// their data-label, so a column's header and its cells' label come from one definition here.
import type { ReactNode } from 'react';

export interface Column<T> {
  label: string;
  /** Right-aligned with tabular figures, header included. */
  num?: boolean;
  /** The header is for screen readers only (a column of buttons). */
  hiddenLabel?: boolean;
  /** Extra classes of the cells (not the header). */
  cellClass?: string;
  cell: (row: T) => ReactNode;
}

type RowAttributes = { className?: string } & { [data: `data-${string}`]: string | undefined };

function cellClassName(column: Pick<Column<unknown>, 'num' | 'cellClass'>): string | undefined {
  return [column.num ? 'num' : '', column.cellClass ?? ''].filter(Boolean).join(' ') || undefined;
}

export function DataTable<T>(props: {
  rows: readonly T[];
  columns: Column<T>[];
  rowKey: (row: T) => string;
  rowAttributes?: (row: T) => RowAttributes;
  /** Shown instead of the table when there are no rows. */
  empty?: ReactNode;
  className?: string;
  testId?: string;
  caption?: string;
}) {
  if (props.empty !== undefined && props.rows.length === 0) return <p className="muted">{props.empty}</p>;
  return (
    <div className="table-wrap">
      <table className={props.className ? `stack-sm ${props.className}` : 'stack-sm'} data-testid={props.testId}>
        {props.caption && <caption className="visually-hidden">{props.caption}</caption>}
        <thead>
          <tr>
            {props.columns.map((c) => (
              <th key={c.label} scope="col" className={c.num ? 'num' : undefined}>
                {c.hiddenLabel ? <span className="visually-hidden">{c.label}</span> : c.label}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {props.rows.map((row) => (
            <tr key={props.rowKey(row)} {...props.rowAttributes?.(row)}>
              {props.columns.map((c) => (
                <td key={c.label} data-label={c.label} className={cellClassName(c)}>
                  {c.cell(row)}
                </td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
