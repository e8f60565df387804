// Daily revenue of one asset over 30 days as SVG bars. Heights come from bigint ratios of the
// decimal strings; the exact amounts are in each bar's title and in the table for screen readers.
import { useId } from 'react';
import { barHeights, isZero, maxDecimal } from '../lib/decimal.ts';

const WIDTH = 600;
const HEIGHT = 160;
const TOP = 16;
const BOTTOM = 20;

export function RevenueChart({ asset, points }: { asset: string; points: { date: string; amount: string }[] }) {
  const id = useId();
  const plot = HEIGHT - TOP - BOTTOM;
  const heights = barHeights(
    points.map((p) => p.amount),
    plot,
  );
  const max = maxDecimal(points.map((p) => p.amount));
  const slot = WIDTH / Math.max(points.length, 1);
  const bar = Math.max(2, Math.floor(slot * 0.7));
  const paidDays = points.filter((p) => !isZero(p.amount)).length;
  const first = points[0]?.date;
  const last = points[points.length - 1]?.date;
  return (
    <figure className="chart">
      <figcaption id={`${id}-cap`}>
        <strong>{asset}</strong> <span className="muted">per day, last {points.length} days · highest {max} {asset}</span>
      </figcaption>
      <svg viewBox={`0 0 ${WIDTH} ${HEIGHT}`} role="img" aria-labelledby={`${id}-cap ${id}-desc`} className="chart-svg">
        <desc id={`${id}-desc`}>
          Revenue in {asset} on {paidDays} of {points.length} days{first && last ? `, ${first} to ${last}` : ''}.
        </desc>
        <line x1={0} x2={WIDTH} y1={HEIGHT - BOTTOM + 0.5} y2={HEIGHT - BOTTOM + 0.5} className="chart-axis" />
        <line x1={0} x2={WIDTH} y1={TOP + 0.5} y2={TOP + 0.5} className="chart-grid" />
        {points.map((p, i) => {
          const h = heights[i] ?? 0;
          return (
            <rect key={p.date} x={i * slot + (slot - bar) / 2} y={HEIGHT - BOTTOM - h} width={bar} height={h} className="chart-bar">
              <title>
                {p.date}: {p.amount} {asset}
              </title>
            </rect>
          );
        })}
        {first && (
          <text x={0} y={HEIGHT - 4} className="chart-label">
            {first}
          </text>
        )}
        {last && (
          <text x={WIDTH} y={HEIGHT - 4} className="chart-label" textAnchor="end">
            {last}
          </text>
        )}
        <text x={0} y={TOP - 4} className="chart-label">
          {max}
        </text>
      </svg>
      <details className="chart-table">
        <summary>Show the numbers</summary>
        <table>
          <caption className="visually-hidden">{asset} revenue per day</caption>
          <thead>
            <tr>
              <th scope="col">Day (UTC)</th>
              <th scope="col" className="num">
                {asset}
              </th>
            </tr>
          </thead>
          <tbody>
            {points
              .filter((p) => !isZero(p.amount))
              .map((p) => (
                <tr key={p.date}>
                  <td>{p.date}</td>
                  <td className="num">{p.amount}</td>
                </tr>
              ))}
          </tbody>
        </table>
      </details>
    </figure>
  );
}
