// Line charts as standalone SVG files (no dependencies): axes with round-number ticks, one
// polyline per series, a legend. Enough for the simulator's time series and distributions.

export interface Series {
  readonly name: string;
  /** [x, y] pairs, in x order. */
  readonly points: readonly (readonly [number, number])[];
  readonly dashed?: boolean;
}

export interface ChartSpec {
  readonly title: string;
  readonly xLabel: string;
  readonly yLabel: string;
  readonly series: readonly Series[];
  readonly xMin?: number;
  readonly xMax?: number;
  readonly yMin?: number;
  readonly yMax?: number;
  /** Draw each series as a step function (values hold until the next point). */
  readonly step?: boolean;
  /** Horizontal reference lines (targets, bounds). */
  readonly hLines?: readonly { readonly y: number; readonly label: string }[];
  /** Vertical reference lines. */
  readonly vLines?: readonly { readonly x: number; readonly label: string }[];
}

const W = 760;
const H = 380;
const M = { left: 70, right: 20, top: 40, bottom: 50 };
const COLORS = ['#1f77b4', '#d62728', '#2ca02c', '#ff7f0e', '#9467bd', '#8c564b', '#e377c2', '#17becf', '#7f7f7f'];
const MAX_POINTS = 600;

function esc(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** Round tick values covering [lo, hi]: steps of 1, 2 or 5 times a power of ten. */
export function ticks(lo: number, hi: number, target = 6): number[] {
  if (!(hi > lo)) return [lo];
  const raw = (hi - lo) / target;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((k) => k * mag).find((s) => s >= raw) ?? 10 * mag;
  const out: number[] = [];
  for (let v = Math.ceil(lo / step) * step; v <= hi + step * 1e-9; v += step) out.push(Math.abs(v) < step * 1e-9 ? 0 : v);
  return out;
}

function fmt(v: number): string {
  if (v === 0) return '0';
  const a = Math.abs(v);
  if (a >= 1e6) return `${+(v / 1e6).toPrecision(3)}M`;
  if (a >= 1e4) return `${+(v / 1e3).toPrecision(3)}k`;
  return `${+v.toPrecision(3)}`;
}

/** Keeps at most MAX_POINTS points, evenly spaced by index (always the first and last). */
function thin(points: readonly (readonly [number, number])[]): (readonly [number, number])[] {
  if (points.length <= MAX_POINTS) return [...points];
  const out: (readonly [number, number])[] = [];
  const step = (points.length - 1) / (MAX_POINTS - 1);
  for (let i = 0; i < MAX_POINTS; i++) out.push(points[Math.round(i * step)] as readonly [number, number]);
  return out;
}

export function lineChart(spec: ChartSpec): string {
  const all = spec.series.flatMap((s) => s.points).filter(([x, y]) => Number.isFinite(x) && Number.isFinite(y));
  const xs = all.map((p) => p[0]);
  const ys = all.map((p) => p[1]);
  for (const l of spec.hLines ?? []) ys.push(l.y);
  for (const l of spec.vLines ?? []) xs.push(l.x);
  const x0 = spec.xMin ?? (xs.length ? Math.min(...xs) : 0);
  let x1 = spec.xMax ?? (xs.length ? Math.max(...xs) : 1);
  const y0 = spec.yMin ?? Math.min(0, ...(ys.length ? ys : [0]));
  let y1 = spec.yMax ?? (ys.length ? Math.max(...ys) * 1.05 : 1);
  if (!(x1 > x0)) x1 = x0 + 1;
  if (!(y1 > y0)) y1 = y0 + 1;
  const pw = W - M.left - M.right;
  const ph = H - M.top - M.bottom;
  const sx = (x: number): number => M.left + ((x - x0) / (x1 - x0)) * pw;
  const sy = (y: number): number => M.top + ph - ((y - y0) / (y1 - y0)) * ph;
  const out: string[] = [];
  out.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif" font-size="12">`);
  out.push(`<rect width="${W}" height="${H}" fill="white"/>`);
  out.push(`<text x="${W / 2}" y="22" text-anchor="middle" font-size="15" font-weight="bold">${esc(spec.title)}</text>`);
  for (const t of ticks(x0, x1)) {
    const x = sx(t).toFixed(1);
    out.push(`<line x1="${x}" y1="${M.top}" x2="${x}" y2="${M.top + ph}" stroke="#e5e5e5"/>`);
    out.push(`<text x="${x}" y="${M.top + ph + 16}" text-anchor="middle">${fmt(t)}</text>`);
  }
  for (const t of ticks(y0, y1)) {
    const y = sy(t).toFixed(1);
    out.push(`<line x1="${M.left}" y1="${y}" x2="${M.left + pw}" y2="${y}" stroke="#e5e5e5"/>`);
    out.push(`<text x="${M.left - 6}" y="${(+y + 4).toFixed(1)}" text-anchor="end">${fmt(t)}</text>`);
  }
  out.push(`<rect x="${M.left}" y="${M.top}" width="${pw}" height="${ph}" fill="none" stroke="#333"/>`);
  out.push(`<text x="${M.left + pw / 2}" y="${H - 12}" text-anchor="middle">${esc(spec.xLabel)}</text>`);
  out.push(`<text transform="translate(16 ${M.top + ph / 2}) rotate(-90)" text-anchor="middle">${esc(spec.yLabel)}</text>`);
  for (const l of spec.hLines ?? []) {
    const y = sy(l.y).toFixed(1);
    out.push(`<line x1="${M.left}" y1="${y}" x2="${M.left + pw}" y2="${y}" stroke="#555" stroke-dasharray="2 3"/>`);
    out.push(`<text x="${M.left + 4}" y="${(+y - 4).toFixed(1)}" fill="#555">${esc(l.label)}</text>`);
  }
  for (const l of spec.vLines ?? []) {
    const x = sx(l.x).toFixed(1);
    out.push(`<line x1="${x}" y1="${M.top}" x2="${x}" y2="${M.top + ph}" stroke="#555" stroke-dasharray="2 3"/>`);
    out.push(`<text x="${(+x + 4).toFixed(1)}" y="${M.top + 14}" fill="#555">${esc(l.label)}</text>`);
  }
  out.push(`<clipPath id="plot"><rect x="${M.left}" y="${M.top}" width="${pw}" height="${ph}"/></clipPath>`);
  spec.series.forEach((s, i) => {
    const color = COLORS[i % COLORS.length] as string;
    const pts: string[] = [];
    let prevY: number | undefined;
    for (const [x, y] of thin(s.points)) {
      if (!Number.isFinite(x) || !Number.isFinite(y)) continue;
      if (spec.step && prevY !== undefined) pts.push(`${sx(x).toFixed(1)},${sy(prevY).toFixed(1)}`);
      pts.push(`${sx(x).toFixed(1)},${sy(y).toFixed(1)}`);
      prevY = y;
    }
    const dash = s.dashed ? ' stroke-dasharray="6 4"' : '';
    out.push(`<polyline clip-path="url(#plot)" fill="none" stroke="${color}" stroke-width="1.8"${dash} points="${pts.join(' ')}"/>`);
    const ly = M.top + 14 + i * 16;
    const lx = M.left + pw - 170;
    out.push(`<line x1="${lx}" y1="${ly - 4}" x2="${lx + 22}" y2="${ly - 4}" stroke="${color}" stroke-width="2"${dash}/>`);
    out.push(`<text x="${lx + 28}" y="${ly}">${esc(s.name)}</text>`);
  });
  out.push('</svg>');
  return out.join('\n') + '\n';
}
