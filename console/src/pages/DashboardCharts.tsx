/** The growth dashboard's charts (recharts), coloured from the theme. */
import { Bar, BarChart, CartesianGrid, ComposedChart, Legend, Line, ReferenceLine, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import { hourLabel } from '../format';
import { useChartColors } from '../theme';
import type { StatsReport } from '../types';
import type { RejectionRow } from './rejections';

const tooltipStyle = { background: 'var(--surface)', border: '1px solid var(--border)', color: 'var(--text)', borderRadius: 6 };

export function GrowthChart({ report }: { report: StatsReport }) {
  const c = useChartColors();
  const bucket = report.series.bucket;
  const data = report.series.points.map((point) => ({
    label: hourLabel(point.start, bucket),
    anonymous: point.anonymous_signups,
    converted: point.conversions,
    rate: point.cohort_conversion_rate === null ? null : Math.round(point.cohort_conversion_rate * 1000) / 10,
  }));
  return (
    <ResponsiveContainer width="100%" height={280}>
      <ComposedChart data={data} margin={{ top: 8, right: 8, bottom: 0, left: -16 }} barGap={0} barCategoryGap="12%">
        <CartesianGrid stroke={c.grid} strokeDasharray="3 3" vertical={false} />
        <XAxis dataKey="label" stroke={c.text} tick={{ fontSize: 12 }} minTickGap={24} />
        <YAxis yAxisId="n" stroke={c.text} tick={{ fontSize: 12 }} allowDecimals={false} />
        <YAxis yAxisId="rate" orientation="right" stroke={c.text} tick={{ fontSize: 12 }} unit="%" domain={[0, 100]} width={44} />
        <Tooltip contentStyle={tooltipStyle} />
        <Legend />
        <Bar yAxisId="n" dataKey="anonymous" name="New anonymous users" fill={c.a} isAnimationActive={false} />
        <Bar yAxisId="n" dataKey="converted" name="Converted to permanent" fill={c.b} isAnimationActive={false} />
        <Line yAxisId="rate" dataKey="rate" name="Cohort converted (%)" stroke={c.c} dot={false} connectNulls isAnimationActive={false} />
      </ComposedChart>
    </ResponsiveContainer>
  );
}

export function SignupsChart({ report }: { report: StatsReport }) {
  const c = useChartColors();
  const { spike } = report;
  const alertLevel = Math.max(spike.min_signups, spike.threshold * spike.baseline_per_hour);
  const data = report.series.points.map((point) => ({ label: hourLabel(point.start, 'hour'), signups: point.anonymous_signups }));
  return (
    <ResponsiveContainer width="100%" height={220}>
      <BarChart data={data} margin={{ top: 8, right: 8, bottom: 0, left: -16 }}>
        <CartesianGrid stroke={c.grid} strokeDasharray="3 3" vertical={false} />
        <XAxis dataKey="label" stroke={c.text} tick={{ fontSize: 12 }} minTickGap={24} />
        <YAxis stroke={c.text} tick={{ fontSize: 12 }} allowDecimals={false} />
        <Tooltip contentStyle={tooltipStyle} />
        <Bar dataKey="signups" name="Anonymous sign-ups" fill={spike.firing ? c.d : c.a} isAnimationActive={false} />
        <ReferenceLine y={alertLevel} stroke={c.d} strokeDasharray="6 4" label={{ value: 'spike level', fill: c.text, fontSize: 12, position: 'insideTopRight' }} />
      </BarChart>
    </ResponsiveContainer>
  );
}

export function RejectionsChart({ rows }: { rows: readonly RejectionRow[] }) {
  const c = useChartColors();
  return (
    <ResponsiveContainer width="100%" height={Math.max(120, rows.length * 44 + 60)}>
      <BarChart data={[...rows]} layout="vertical" margin={{ top: 8, right: 16, bottom: 0, left: 8 }}>
        <CartesianGrid stroke={c.grid} strokeDasharray="3 3" horizontal={false} />
        <XAxis type="number" stroke={c.text} tick={{ fontSize: 12 }} allowDecimals={false} />
        <YAxis type="category" dataKey="endpoint" stroke={c.text} tick={{ fontSize: 12 }} width={150} />
        <Tooltip contentStyle={tooltipStyle} />
        <Legend />
        <Bar dataKey="captcha" name="CAPTCHA refused" fill={c.c} isAnimationActive={false} />
        <Bar dataKey="rateLimited" name="Rate limited (429)" fill={c.d} isAnimationActive={false} />
      </BarChart>
    </ResponsiveContainer>
  );
}
