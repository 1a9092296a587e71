// The weekly report's charts, rendered on the server: Vega-Lite specs compiled by vega-lite, drawn
// to SVG by vega (no browser, no canvas) and to PNG by resvg for Slack and e-mail clients. Text
// needs a font file: the first of FONT_FILES that exists (DejaVu on Debian/Ubuntu), else resvg's
// system font lookup.
import { existsSync } from 'node:fs';
import { Resvg } from '@resvg/resvg-js';
import * as vega from 'vega';
import * as vl from 'vega-lite';
import type { TopLevelSpec } from 'vega-lite';
import type { WeeklyReport } from './weekly-report';

/** A rendered chart. */
export interface Chart {
  name: string;
  title: string;
  /** Content-ID of the inline image in the e-mail. */
  cid: string;
  svg: string;
  png: Buffer;
}

/** Font files tried in order; REPORT_FONT_FILE first when set. */
export const FONT_FILES = [
  '/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf',
  '/usr/share/fonts/dejavu/DejaVuSans.ttf',
  '/usr/share/fonts/TTF/DejaVuSans.ttf',
  '/System/Library/Fonts/Supplemental/Arial.ttf',
];

function fontOptions(fontFile?: string) {
  const file = [fontFile, ...FONT_FILES].find((f): f is string => !!f && existsSync(f));
  return file
    ? { fontFiles: [file], loadSystemFonts: false, defaultFontFamily: 'DejaVu Sans', sansSerifFamily: 'DejaVu Sans' }
    : { loadSystemFonts: true };
}

const BASE = {
  $schema: 'https://vega.github.io/schema/vega-lite/v5.json',
  width: 520,
  height: 220,
  background: 'white',
  config: { font: 'DejaVu Sans', title: { fontSize: 15, anchor: 'start' as const } },
};

/** The three charts' Vega-Lite specs from a report. */
export function chartSpecs(report: WeeklyReport): { name: string; title: string; spec: TopLevelSpec }[] {
  const f = report.figures;
  const frLimitH = 4;
  return [
    {
      name: 'tickets-per-day',
      title: 'Tickets opened per day, by category',
      spec: {
        ...BASE,
        title: `Tickets opened per day by category (${report.week})`,
        data: { values: f.tickets.perDay },
        mark: { type: 'bar' },
        encoding: {
          x: { field: 'day', type: 'ordinal', title: null, axis: { labelAngle: 0 } },
          y: { field: 'cases', type: 'quantitative', title: 'cases', axis: { tickMinStep: 1 } },
          color: { field: 'category', type: 'nominal', title: 'category' },
        },
      } as TopLevelSpec,
    },
    {
      name: 'first-response',
      title: 'First response distribution against the 4-hour line',
      spec: {
        ...BASE,
        title: `First response (a person's first answer) against the ${frLimitH}-hour target`,
        data: {
          values: f.firstResponse.histogram.map((h, i, all) => {
            const lo = i === 0 ? 0 : (all[i - 1].upToMinutes ?? 0) / 60;
            const hi = h.upToMinutes === null ? 48 : h.upToMinutes / 60;
            return { lo, hi, cases: h.cases, within: hi <= frLimitH ? 'within 4 h' : 'over 4 h' };
          }),
        },
        layer: [
          {
            mark: { type: 'rect', stroke: 'white' },
            encoding: {
              x: {
                field: 'lo',
                type: 'quantitative',
                title: 'hours to first response (last bar: over 24 h)',
                scale: { type: 'symlog', constant: 0.25, domain: [0, 48] },
                axis: { values: [0, 0.25, 0.5, 1, 2, 4, 8, 24, 48], format: '~g' },
              },
              x2: { field: 'hi' },
              y: {
                field: 'cases',
                type: 'quantitative',
                title: 'cases',
                scale: { zero: true },
                axis: { tickMinStep: 1 },
              },
              y2: { datum: 0 },
              color: {
                field: 'within',
                type: 'nominal',
                title: null,
                scale: { domain: ['within 4 h', 'over 4 h'], range: ['#4c78a8', '#e45756'] },
              },
            },
          },
          {
            data: { values: [{ at: frLimitH, label: '4-hour target' }] },
            layer: [
              {
                mark: { type: 'rule', color: '#333', strokeDash: [4, 3], strokeWidth: 2 },
                encoding: { x: { field: 'at', type: 'quantitative' } },
              },
              {
                mark: { type: 'text', align: 'left', dx: 4, dy: -90, color: '#333' },
                encoding: { x: { field: 'at', type: 'quantitative' }, text: { field: 'label' } },
              },
            ],
          },
        ],
      } as TopLevelSpec,
    },
    {
      name: 'csat',
      title: 'CSAT ratings',
      spec: {
        ...BASE,
        height: 180,
        title: `CSAT ratings: ${f.csat.ratings} of ${f.csat.surveysSent} surveys answered, ${f.csat.satisfiedPercent ?? 'n/a'}% rated 4 or 5`,
        data: {
          values: (['1', '2', '3', '4', '5'] as const).map((r) => ({
            rating: r,
            cases: f.csat.distribution[r],
            satisfied: Number(r) >= 4 ? '4 or 5' : '1 to 3',
          })),
        },
        mark: { type: 'bar' },
        encoding: {
          x: { field: 'rating', type: 'ordinal', title: 'rating', axis: { labelAngle: 0 } },
          y: { field: 'cases', type: 'quantitative', title: 'ratings', axis: { tickMinStep: 1 } },
          color: {
            field: 'satisfied',
            type: 'nominal',
            title: null,
            scale: { domain: ['4 or 5', '1 to 3'], range: ['#54a24b', '#f58518'] },
          },
        },
      } as TopLevelSpec,
    },
  ];
}

/** Renders a Vega-Lite spec to SVG and PNG. */
export async function renderChart(spec: TopLevelSpec, fontFile?: string): Promise<{ svg: string; png: Buffer }> {
  const compiled = vl.compile(spec).spec;
  const view = new vega.View(vega.parse(compiled), { renderer: 'none' });
  const svg = await view.toSVG();
  view.finalize();
  const png = new Resvg(svg, { font: fontOptions(fontFile), fitTo: { mode: 'zoom', value: 2 } }).render().asPng();
  return { svg, png };
}

/** The report's three charts. */
export async function renderReportCharts(report: WeeklyReport, fontFile?: string): Promise<Chart[]> {
  return Promise.all(
    chartSpecs(report).map(async (c) => ({
      name: c.name,
      title: c.title,
      cid: `${c.name}.${report.week}@support.edustream.local`,
      ...(await renderChart(c.spec, fontFile)),
    })),
  );
}

const escape = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/** The report as an HTML e-mail: the targets as a table, the charts inline (cid:), the full text below. */
export function reportHtml(report: WeeklyReport, charts: Pick<Chart, 'cid' | 'title'>[]): string {
  const rows = report.figures.targets
    .map(
      (t) =>
        `<tr><td>${escape(t.name)}</td><td>${t.value === null ? 'n/a' : t.unit === 'percent' ? `${t.value}%` : `${t.value} ${escape(t.unit)}`}</td><td>${escape(t.target)}</td><td style="color:${t.met === null ? '#666' : t.met ? '#2a7d2a' : '#b00020'}"><b>${t.met === null ? 'n/a' : t.met ? 'met' : 'missed'}</b></td><td>${t.withinTargetPercent ?? 'n/a'}%</td><td>${t.over} ${escape(t.overWhat)}</td></tr>`,
    )
    .join('\n');
  return `<!doctype html>
<html><body style="font-family: sans-serif; color: #222">
<h2>EduStream Support weekly report ${escape(report.week)}</h2>
<p>${report.figures.tickets.opened.total} tickets opened, ${report.figures.tickets.resolved.total} resolved, ${report.figures.tickets.closed.total} closed.</p>
<table cellpadding="4" style="border-collapse: collapse" border="1">
<tr><th>Target</th><th>Value</th><th>Target</th><th></th><th>Within target</th><th>Over</th></tr>
${rows}
</table>
${charts.map((c) => `<h3>${escape(c.title)}</h3>\n<img src="cid:${c.cid}" alt="${escape(c.title)}" width="520">`).join('\n')}
<pre style="font-family: inherit; white-space: pre-wrap">${escape(report.text)}</pre>
</body></html>`;
}
